{% autoescape off %}/* Insignia badge embed: turns each <div class="insignia-badge" data-badge-id="…"> into an
   iframe of the badge's embed card, sized to the card's height as the card reports it.
   Safe to include more than once on a page. */
(function () {
  "use strict";
  var base = {{ site_url_json }};
  var type = {{ message_type_json }};
  var origin = new URL(base).origin;
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
    frame.setAttribute("data-insignia-frame", id);
    frame.style.cssText = "border:0;width:100%;max-width:{{ width }}px;height:{{ height }}px;display:block";
    el.textContent = "";
    el.appendChild(frame);
  }
  // The card posts its height; only messages from our origin, sent by one of our iframes'
  // windows and naming that iframe's badge, may resize it.
  function resize(event) {
    if (event.origin !== origin) { return; }
    var data = event.data;
    if (!data || data.type !== type) { return; }
    var height = Number(data.height);
    if (!isFinite(height) || height <= 0 || height > {{ max_height }}) { return; }
    var frames = document.querySelectorAll("iframe[data-insignia-frame]");
    for (var i = 0; i < frames.length; i++) {
      var frame = frames[i];
      if (frame.contentWindow === event.source &&
          frame.getAttribute("data-insignia-frame") === String(data.badge)) {
        frame.style.height = Math.ceil(height) + "px";
      }
    }
  }
  var flag = "__insigniaEmbed " + origin;
  if (!window[flag]) {
    window[flag] = true;
    window.addEventListener("message", resize);
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
