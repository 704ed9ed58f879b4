// Optional enhancement: suggest facet values while typing in a "Find ..." box.
// Everything works without it: the box is a plain GET form to /facets/<name>.
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
        var url = "/api/facets/" + encodeURIComponent(facet) +
          "?limit=10&prefix=" + encodeURIComponent(prefix);
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
