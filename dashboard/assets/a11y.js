/* codedash accessibility fixes to the DOM that Dash components render (docs/accessibility.md).

   1. Popover and menu targets: dash-mantine-components wraps a Popover.Target child in a <div> (Dash
      components cannot take a React ref) and Mantine puts aria-haspopup / aria-expanded / aria-controls on
      that div. A div has no role that allows them (axe: aria-allowed-attr, critical), and the button a
      keyboard or screen-reader user reaches does not say it opens anything. So they move to the control
      inside the wrapper, and stay in step as Mantine updates them.
   2. One polite live region (#cd-live, in the shell) says "Loading…" when views take more than a moment to
      update and "Views updated" when they are done: spinners alone are silent to a screen reader.
   3. The skip link moves focus to the page, not only the scroll position.
   4. Escape closes an open popover (an ⓘ definition) while focus is still on its button: Mantine only
      listens for Escape inside the dropdown, and a keyboard user who opened it with Enter is on the button.
*/
(function () {
  "use strict";
  var MOVED = ["aria-haspopup", "aria-expanded", "aria-controls"];
  var CONTROL = "button, a[href], input, select, [role='button'], [tabindex]:not([tabindex='-1'])";

  function fixTarget(wrapper) {
    if (wrapper.hasAttribute("role") || wrapper.matches(CONTROL)) return;   // a real control keeps its attributes
    var control = wrapper.querySelector(CONTROL);
    if (!control) return;
    var expanded = wrapper.getAttribute("aria-expanded");
    MOVED.forEach(function (name) {
      if (wrapper.hasAttribute(name)) {
        control.setAttribute(name, wrapper.getAttribute(name));
        wrapper.removeAttribute(name);
      }
    });
    // Mantine drops aria-controls when the dropdown closes: it must not point at a removed element
    if (expanded === "false") control.removeAttribute("aria-controls");
  }

  function fixAll(root) {
    if (!root.querySelectorAll) return;
    if (root.matches && root.matches("div[aria-haspopup], div[aria-expanded]")) fixTarget(root);
    root.querySelectorAll("div[aria-haspopup], div[aria-expanded]").forEach(fixTarget);
  }

  var liveTimer = null, announcedLoading = false;
  function live(text) {
    var region = document.getElementById("cd-live");
    if (region && region.textContent !== text) region.textContent = text;
  }
  function loadingChanged() {
    var busy = document.querySelector("[data-dash-is-loading='true']") !== null;
    if (busy && !announcedLoading && liveTimer === null) {
      liveTimer = setTimeout(function () {
        liveTimer = null;
        if (document.querySelector("[data-dash-is-loading='true']")) { announcedLoading = true; live("Loading…"); }
      }, 600);
    } else if (!busy) {
      if (liveTimer !== null) { clearTimeout(liveTimer); liveTimer = null; }
      if (announcedLoading) { announcedLoading = false; live("Views updated"); }
    }
  }

  function start() {
    fixAll(document.body);
    new MutationObserver(function (records) {
      var loading = false;
      records.forEach(function (r) {
        if (r.type === "attributes") {
          if (r.attributeName === "data-dash-is-loading") loading = true;
          else fixTarget(r.target);
        } else {
          r.addedNodes.forEach(fixAll);
          loading = true;
        }
      });
      if (loading) loadingChanged();
    }).observe(document.body, {subtree: true, childList: true, attributes: true,
                                attributeFilter: MOVED.concat(["data-dash-is-loading"])});
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      var el = document.activeElement;
      if (el && el.getAttribute("aria-haspopup") === "dialog" && el.getAttribute("aria-expanded") === "true") {
        event.preventDefault();
        el.click();                        // the DMC wrapper toggles `opened`; focus stays on the button
      }
    });
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("a.cd-skip-link");
      if (!link) return;
      var target = document.getElementById("main-content");
      if (target) { event.preventDefault(); target.focus(); target.scrollIntoView(); }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

/* Keyboard cross-filters (dashboard/panels.py `pick_select`): the select beside a clickable chart. */
(function () {
  "use strict";
  var NO = function () { return window.dash_clientside.no_update; };

  function text(label) {          // figure labels are entity-escaped (figures.base.plain): decode to text
    var doc = new DOMParser().parseFromString("<!doctype html><body>" + String(label), "text/html");
    return doc.body.textContent;
  }
  function list(values) { return Array.isArray(values) ? values : []; }
  function offers(options, value) {        // whether a select's options hold this value
    return list(options).some(function (o) { return o && String(o.value) === String(value); });
  }

  window.dash_clientside = window.dash_clientside || {};
  window.dash_clientside.codedash = {
      // the page-state link cleaned of what the page ignored, without navigating (dashboard/panels.py)
      replaceSearch: function (search) {
        if (typeof search === "string" && (search === "" || search.charAt(0) === "?")) {
          window.history.replaceState(window.history.state, "", window.location.pathname + search + window.location.hash);
        }
        return window.dash_clientside.no_update;
      },
      // the chart's points as {value: customdata id, label: category label}, first occurrence kept
      pickOptions: function (figure) {
        var seen = {}, out = [];
        list(figure && figure.data).forEach(function (trace) {
          var ids = list(trace.customdata);
          var labels = list(trace.orientation === "h" ? trace.y : trace.x);
          ids.forEach(function (id, i) {
            if (id === null || id === undefined || Array.isArray(id) || typeof id === "object") return;
            var value = String(id);
            if (seen[value]) return;
            seen[value] = true;
            var label = labels[i] === undefined ? value : text(labels[i]);
            out.push({value: value, label: label === value || label.indexOf(value) >= 0 ? label : label + " (" + value + ")"});
          });
        });
        return out;
      },
      // a choice is a click on that point; clearing the choice clicks the selected point again (a toggle).
      // A select whose options are still loading (the page laid out again, the chart not drawn yet) drops the
      // value it was given: that is no clearing by the user, so the selected point stays selected.
      pickToClick: function (value, state, name, options) {
        var current = state ? state[name] : null;
        current = current === undefined ? null : current;
        if ((value || null) === current) return NO();
        if (!value && !offers(options, current)) return NO();
        var id = value ? value : current;
        return {points: [{customdata: id}]};
      },
      // the select follows the page state once its options hold the value (a value it has no option for
      // yet would be dropped by the select); called again when the options arrive
      pickFromState: function (state, options, name, shown) {
        var value = state ? state[name] : null;
        value = value === undefined || value === null ? null : String(value);
        if (value === (shown || null)) return NO();
        if (value !== null && !offers(options, value)) return NO();
        return value;
      }
  };
})();
