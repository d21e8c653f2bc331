// The resident signs on the screen (SVC-CB-4): strokes on a canvas, posted as a PNG data URL in a hidden field.
(function () {
  const canvas = document.getElementById("signature-pad");
  const field = document.getElementById("id_signature");
  if (!canvas || !field) return;
  const pen = canvas.getContext("2d");
  pen.lineWidth = 2;
  pen.lineCap = "round";
  pen.strokeStyle = "#111";
  let drawing = false;
  let signed = false;
  const point = (event) => {
    const box = canvas.getBoundingClientRect();
    return [(event.clientX - box.left) * (canvas.width / box.width), (event.clientY - box.top) * (canvas.height / box.height)];
  };
  canvas.addEventListener("pointerdown", (event) => {
    drawing = true;
    canvas.setPointerCapture(event.pointerId);
    pen.beginPath();
    pen.moveTo(...point(event));
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!drawing) return;
    pen.lineTo(...point(event));
    pen.stroke();
    signed = true;
  });
  const stop = () => {
    drawing = false;
    if (signed) field.value = canvas.toDataURL("image/png");
  };
  canvas.addEventListener("pointerup", stop);
  canvas.addEventListener("pointercancel", stop);
  document.getElementById("signature-clear").addEventListener("click", () => {
    pen.clearRect(0, 0, canvas.width, canvas.height);
    signed = false;
    field.value = "";
  });
})();
