// Multi-user mode (dashboard/auth.py): once the server has ended the session (idle or absolute timeout,
// signed out elsewhere), send the browser to the sign-in page instead of leaving stale numbers on screen.
// Only signed-in pages have the sign-out form (dashboard/shell.py account_menu): single-user serving has no
// session to watch and no /auth/session route, so nothing is requested there.
(function () {
    var INTERVAL_MS = 60 * 1000;
    function check() {
        if (!document.getElementById("sign-out")) {
            return;
        }
        fetch("/auth/session", {credentials: "same-origin", cache: "no-store"}).then(function (r) {
            if (r.status === 401) {
                window.location.assign("/auth/sign-in?expired=1&next=" +
                    encodeURIComponent(window.location.pathname + window.location.search));
            }
        }).catch(function () {});
    }
    window.setInterval(check, INTERVAL_MS);
})();
