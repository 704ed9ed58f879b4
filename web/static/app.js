// Optional enhancements; every page works without them (plain links and GET forms).
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // The phone's filter toggle: opens the filters above the results and moves focus to
  // them (they come after the results in the DOM, so Tab alone would not reach them
  // first). A real <button>: Enter and Space work, aria-expanded tells its state.
  var toggle = document.getElementById("filters-toggle");
  var layout = document.getElementById("layout");
  if (toggle && layout) {
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = !layout.classList.contains("filters-open");
      layout.classList.toggle("filters-open", open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      if (open) {
        var heading = document.getElementById("facets-heading");
        if (heading) { heading.focus(); }
      }
    });
  }
})();

// Suggest facet values while typing in a "Find ..." box (a word of the value starting
// with what was typed). Everything works without it: the box is a GET form to /facets/<name>.
(function () {
  "use strict";
  var boxes = document.querySelectorAll("input[data-facet-finder]");
  Array.prototype.forEach.call(boxes, function (input) {
    var facet = input.getAttribute("data-facet-finder");
    var list = document.createElement("datalist");
    list.id = input.id + "-suggestions";
    input.parentNode.appendChild(list);
    input.setAttribute("list", list.id);
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var prefix = input.value.trim();
      if (!prefix) { return; }
      timer = setTimeout(function () {
        // Counts within the search the form belongs to (its hidden fields).
        var query = new URLSearchParams();
        if (input.form) {
          Array.prototype.forEach.call(
            input.form.querySelectorAll("input[type=hidden]"),
            function (h) { query.append(h.name, h.value); }
          );
        }
        query.set("limit", "10");
        query.set("prefix", prefix);
        var url = "/api/facets/" + encodeURIComponent(facet) + "?" + query.toString();
        fetch(url, { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { values: [] }; })
          .then(function (data) {
            list.textContent = "";
            data.values.forEach(function (v) {
              var option = document.createElement("option");
              // textContent/value never parse HTML, so stored names stay text.
              option.value = facet === "country" ? v.label : v.value;
              option.textContent = v.count + " articles";
              list.appendChild(option);
            });
          })
          .catch(function () { /* suggestions are optional */ });
      }, 150);
    });
  });
})();
