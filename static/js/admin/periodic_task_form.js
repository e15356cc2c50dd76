// Periodic task form in the admin (django-celery-beat): the chosen crontab in words, under the field.
// django-celery-beat does this with an inline script, which our CSP forbids; this file does the same
// (templates/admin/djcelery/change_periodictask_form.html loads it after the form).
"use strict";
(function () {
  var $ = window.django && window.django.jQuery;
  var data = document.getElementById("readable-crontabs");
  if (!$ || !data) { return; }
  var label = document.currentScript.dataset.label;
  var readable = JSON.parse(data.textContent);
  var help = $(".field-crontab .help");
  var original = help.html();

  $(".field-crontab_translation").hide();
  $(".field-crontab").on("change", function () {
    var words = readable[$("#id_crontab").val()];
    help.html(original);
    if (words) {
      // Text, not HTML: the descriptions come from the database.
      help.append(document.createElement("br"), document.createTextNode(label + " " + words));
    }
  });
})();
