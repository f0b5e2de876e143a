/* Below-the-fold panels (dashboard/panels.py, Page.eager_rows) are computed when their card first comes
   into the viewport, or when focus moves into it (a keyboard user tabbing down the page):
   the marker's store is set to true once, and the panel's callback runs from then on like any other.
   The browser then renders the first screen's charts first instead of every chart of a long page at once. */
(function () {
  'use strict';
  function mark(el) {
    if (!el || el.getAttribute('data-seen-sent') === '1') {
      return;
    }
    var store = el.getAttribute('data-seen-store');
    var clientside = window.dash_clientside;
    if (!store || !clientside || typeof clientside.set_props !== 'function') {
      return;
    }
    el.setAttribute('data-seen-sent', '1');
    clientside.set_props(store, {data: true});
  }

  // without an observer (no browser codedash supports lacks one) every panel is computed at once
  var observer = 'IntersectionObserver' in window ? new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (entry.isIntersecting) {
        observer.unobserve(entry.target);
        mark(entry.target);
      }
    });
  }, {rootMargin: '0px'}) : {observe: mark};

  function scan() {
    var markers = document.querySelectorAll('[data-seen-store]:not([data-seen-watched])');
    for (var i = 0; i < markers.length; i++) {
      markers[i].setAttribute('data-seen-watched', '1');
      observer.observe(markers[i]);
    }
  }

  document.addEventListener('focusin', function (event) {
    var card = event.target && event.target.closest ? event.target.closest('.cd-lazy-panel') : null;
    var marker = card ? card.querySelector('[data-seen-store]') : null;
    if (marker) {
      mark(marker);
    }
  });

  new MutationObserver(scan).observe(document.documentElement, {childList: true, subtree: true});
  scan();
})();
