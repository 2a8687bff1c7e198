// Click a column heading to sort the table by it (numbers by value, text alphabetically,
// empty cells last); click again to reverse.  Inline, so the page needs nothing from the network.
document.querySelectorAll("table.sortable").forEach(function (table) {
  if (!table.tHead || !table.tBodies.length) return;
  var headings = table.tHead.rows[table.tHead.rows.length - 1].cells;
  var key = function (row, column) {
    var cell = row.cells[column];
    var text = cell ? cell.textContent.trim() : "";
    var number = text.replace(/,/g, "").match(/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?/i);
    return number ? parseFloat(number[0]) : text.toLowerCase();
  };
  var compare = function (a, b) {
    if (a === b) return 0;
    if (a === "") return 1;
    if (b === "") return -1;
    if (typeof a !== typeof b) return typeof a === "number" ? -1 : 1;
    return a < b ? -1 : 1;
  };
  Array.prototype.forEach.call(headings, function (heading, column) {
    heading.tabIndex = 0;
    heading.title = "Sort by this column";
    var sort = function () {
      var ascending = heading.getAttribute("aria-sort") !== "ascending";
      Array.prototype.forEach.call(headings, function (other) { other.removeAttribute("aria-sort"); });
      heading.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var order = compare(key(a, column), key(b, column));
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    };
    heading.addEventListener("click", sort);
    heading.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sort(); }
    });
  });
});
