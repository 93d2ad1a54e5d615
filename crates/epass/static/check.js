// epass checkpoint: the device's position, when the officer allows it. A tap on "record this
// device's position" asks the browser (which asks the officer); once allowed, every later visit
// fills the forms' hidden longitude/latitude fields by itself. Without a position (or without
// this script) the checks are recorded without one.
(function () {
  "use strict";
  var box = document.getElementById("geo");
  var allow = document.getElementById("geo-allow");
  var status = document.getElementById("geo-status");
  if (!box || !allow || !status || !navigator.geolocation) {
    return;
  }
  var KEY = "epass-geo";
  var fill = function (pos) {
    var lon = pos.coords.longitude.toFixed(6);
    var lat = pos.coords.latitude.toFixed(6);
    Array.prototype.forEach.call(document.querySelectorAll("input.geo-lon"), function (f) { f.value = lon; });
    Array.prototype.forEach.call(document.querySelectorAll("input.geo-lat"), function (f) { f.value = lat; });
    status.textContent = status.getAttribute("data-ok") + lon + ", " + lat +
      " (±" + Math.round(pos.coords.accuracy) + " m)";
    allow.hidden = true;
  };
  var failed = function () {
    status.textContent = status.getAttribute("data-denied");
    allow.hidden = false;
    try { window.localStorage.removeItem(KEY); } catch (e) { /* storage off: ask each time */ }
  };
  var locate = function () {
    status.textContent = status.getAttribute("data-waiting");
    navigator.geolocation.watchPosition(fill, failed, { enableHighAccuracy: true, maximumAge: 30000, timeout: 20000 });
  };
  box.hidden = false;
  allow.addEventListener("click", function () {
    try { window.localStorage.setItem(KEY, "1"); } catch (e) { /* storage off: ask each time */ }
    locate();
  });
  var remembered = false;
  try { remembered = window.localStorage.getItem(KEY) === "1"; } catch (e) { remembered = false; }
  if (remembered) {
    locate();
  }
})();
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
