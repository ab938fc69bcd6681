{% autoescape off %}/* Insignia badge embed: turns each <div class="insignia-badge" data-badge-id="…"> into an
   iframe of the badge's embed card. Safe to include more than once on a page. */
(function () {
  "use strict";
  var base = {{ site_url_json }};
  function mount(el) {
    if (el.getAttribute("data-insignia-mounted")) { return; }
    var id = el.getAttribute("data-badge-id") || "";
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) { return; }
    el.setAttribute("data-insignia-mounted", "1");
    var frame = document.createElement("iframe");
    frame.src = base + "/badges/" + encodeURIComponent(id) + "/embed";
    frame.title = (el.textContent || "Badge").trim();
    frame.loading = "lazy";
    frame.width = "{{ width }}";
    frame.height = "{{ height }}";
    frame.style.cssText = "border:0;width:100%;max-width:{{ width }}px;height:{{ height }}px;display:block";
    el.textContent = "";
    el.appendChild(frame);
  }
  function run() {
    var found = document.querySelectorAll("div.insignia-badge[data-badge-id]");
    for (var i = 0; i < found.length; i++) { mount(found[i]); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", run);
  } else {
    run();
  }
})();
{% endautoescape %}
