// Report dialog actions: "Use in lists" takes either an existing list or a new name, so
// picking one clears the other (the server also refuses both at once).
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var field = event.target;
    var form = field.closest && field.closest('form[data-action="use-in-lists"]');
    if (!form) return;
    if (field.name === "list" && field.value) {
      form.querySelector('input[name="new_list_name"]').value = "";
    }
  });
  document.addEventListener("input", function (event) {
    var field = event.target;
    var form = field.closest && field.closest('form[data-action="use-in-lists"]');
    if (!form || field.name !== "new_list_name" || !field.value) return;
    form.querySelector('select[name="list"]').value = "";
  });
})();
