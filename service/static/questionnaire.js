// Progressive disclosure on the questionnaire: the question about what a tool is used for is
// shown only while that tool is ticked. Without JavaScript every question shows, and the
// server ignores the usage of a tool that is not ticked.
(function () {
  "use strict";
  var form = document.querySelector("form[action='/questionnaire']");
  if (!form) { return; }
  var blocks = form.querySelectorAll("[data-usage-of]");
  if (!blocks.length) { return; }
  var field = form.getAttribute("data-tools-field");
  var boxes = form.querySelectorAll("input[type=checkbox]");
  boxes = Array.prototype.filter.call(boxes, function (box) { return box.name === field; });
  function update() {
    var ticked = {};
    boxes.forEach(function (box) { if (box.checked) { ticked[box.value] = true; } });
    blocks.forEach(function (block) {
      block.hidden = !ticked[block.getAttribute("data-usage-of")];
    });
  }
  boxes.forEach(function (box) { box.addEventListener("change", update); });
  update();
})();
