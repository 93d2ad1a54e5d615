// epass checkpoint: continuous scanning with the phone camera where the browser has the native
// BarcodeDetector. An enhancement only: without it (or without a camera) the photo and number
// forms work as they are. The scanned text is sent through the photo form's hidden `text` field.
(function () {
  "use strict";
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return;
  }
  var form = document.getElementById("photo-form");
  var field = document.getElementById("scanned-text");
  var box = document.getElementById("scanner");
  var start = document.getElementById("scan-start");
  var video = document.getElementById("scan-video");
  if (!form || !field || !box || !start || !video) {
    return;
  }
  box.hidden = false;
  start.addEventListener("click", function () {
    var detector;
    try {
      detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    } catch (e) {
      box.hidden = true;
      return;
    }
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (stream) {
        video.srcObject = stream;
        video.hidden = false;
        start.hidden = true;
        return video.play().then(function () {
          var done = false;
          var tick = function () {
            if (done) {
              return;
            }
            detector
              .detect(video)
              .then(function (codes) {
                if (codes.length > 0 && codes[0].rawValue) {
                  done = true;
                  field.value = codes[0].rawValue;
                  stream.getTracks().forEach(function (t) { t.stop(); });
                  form.submit();
                } else {
                  window.setTimeout(tick, 200);
                }
              })
              .catch(function () { window.setTimeout(tick, 500); });
          };
          tick();
        });
      })
      .catch(function () {
        box.hidden = true;
      });
  });
})();
