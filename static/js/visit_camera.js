// The visit form's camera: the phone's camera shown in the page (getUserMedia), each picture drawn
// on a canvas and added as a JPEG file to the form's camera_photos input, so that the form, and the
// offline queue (offline.js reads the form), send it like a chosen file. Without getUserMedia, or
// when the camera is refused, that input stays visible: with capture="environment" it opens the
// phone's camera app instead. Texts come from the template's data attributes (no inline script).
(function () {
  "use strict";
  var box = document.getElementById("visit-camera");
  if (!box) { return; }
  var form = box.closest("form");
  var input = box.querySelector(".js-camera-input");
  var openButton = box.querySelector(".js-camera-open");
  var view = box.querySelector(".js-camera-view");
  var video = box.querySelector("video");
  var previews = box.querySelector(".js-camera-previews");
  var status = box.querySelector(".js-camera-status");
  var MAX_SIDE = 2000; // the server keeps at most this (crm.images.MAX_STORED_SIDE)
  var taken = [];
  var stream = null;

  function canAttachFiles() {
    try { return typeof DataTransfer === "function" && !!new DataTransfer().items; } catch (error) { return false; }
  }
  var supported = !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia) && canAttachFiles();
  if (!supported) { return; } // the capture input does the work

  function say(text) { status.textContent = text || ""; }
  function syncInput() {
    var transfer = new DataTransfer();
    taken.forEach(function (file) { transfer.items.add(file); });
    input.files = transfer.files;
    say(taken.length ? box.dataset.textTaken.replace("%s", taken.length) : "");
  }
  function stop() {
    if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); }
    stream = null;
    video.srcObject = null;
    view.hidden = true;
    openButton.hidden = false;
  }
  function fallBack() {
    stop();
    openButton.hidden = true;
    input.hidden = false;
    say(box.dataset.textUnavailable);
  }

  input.hidden = true;
  openButton.hidden = false;

  openButton.addEventListener("click", function () {
    navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: "environment" }, width: { ideal: 1920 } }, audio: false })
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        view.hidden = false;
        openButton.hidden = true;
        return video.play();
      })
      .catch(fallBack);
  });

  box.querySelector(".js-camera-close").addEventListener("click", stop);

  box.querySelector(".js-camera-shoot").addEventListener("click", function () {
    var width = video.videoWidth, height = video.videoHeight;
    if (!width || !height) { return; }
    var scale = Math.min(1, MAX_SIDE / Math.max(width, height));
    var canvas = document.createElement("canvas");
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    canvas.toBlob(function (blob) {
      if (!blob) { return; }
      var file = new File([blob], "camera-" + Date.now() + ".jpg", { type: "image/jpeg", lastModified: Date.now() });
      taken.push(file);
      syncInput();
      var figure = document.createElement("div");
      figure.className = "visit-camera-preview position-relative";
      var image = document.createElement("img");
      image.className = "visit-photo rounded";
      image.width = 96; image.height = 72;
      image.alt = box.dataset.textPreview;
      image.src = URL.createObjectURL(blob);
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "btn btn-sm btn-light visit-camera-remove";
      remove.setAttribute("aria-label", box.dataset.textRemove);
      remove.textContent = "×";
      remove.addEventListener("click", function () {
        taken = taken.filter(function (other) { return other !== file; });
        URL.revokeObjectURL(image.src);
        figure.remove();
        syncInput();
      });
      figure.appendChild(image);
      figure.appendChild(remove);
      previews.appendChild(figure);
    }, "image/jpeg", 0.85);
  });

  // The form is sent, or reset after an offline save: the camera stops and the pictures go with it.
  if (form) {
    form.addEventListener("submit", stop);
    form.addEventListener("reset", function () {
      taken = [];
      previews.replaceChildren();
      window.setTimeout(syncInput, 0);
    });
  }
  window.addEventListener("pagehide", stop);
})();
