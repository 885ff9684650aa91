// Sorting and filtering without a server: a click on a heading sorts its table (again:
// the other way); a filter box hides the rows that do not contain its text.
(function () {
  function key(row, column) {
    var cell = row.cells[column];
    var exact = cell.getAttribute("data-sort");
    return exact === null ? cell.textContent : exact;
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var headings = table.querySelectorAll("th");
    headings.forEach(function (heading, column) {
      heading.addEventListener("click", function () {
        var up = heading.getAttribute("aria-sort") !== "ascending";
        headings.forEach(function (h) { h.removeAttribute("aria-sort"); });
        heading.setAttribute("aria-sort", up ? "ascending" : "descending");
        var numeric = heading.classList.contains("num");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a, column), y = key(b, column);
          if (numeric) {
            // No value ("-") sorts last either way.
            if (x === "" || y === "") { return (x === "") - (y === ""); }
            return up ? parseFloat(x) - parseFloat(y) : parseFloat(y) - parseFloat(x);
          }
          return up ? x.localeCompare(y, "zh-CN") : y.localeCompare(x, "zh-CN");
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
  document.querySelectorAll("input.filter").forEach(function (box) {
    var table = document.getElementById(box.getAttribute("data-table"));
    box.addEventListener("input", function () {
      var wanted = box.value.trim().toLowerCase();
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        row.hidden = wanted !== "" && row.textContent.toLowerCase().indexOf(wanted) < 0;
      });
    });
  });
})();
