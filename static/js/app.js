// Behaviour shared by every page, here rather than in inline handlers: the Content-Security-Policy runs no inline
// script. Listeners sit on the document, so they also serve what htmx swaps in later.
(function () {
  // <select data-autosubmit>: the choice is sent at once (the language menu; a <noscript> button otherwise).
  document.addEventListener("change", (event) => {
    const field = event.target.closest("[data-autosubmit]");
    if (field && field.form) field.form.submit();
  });
  // <button data-print>: prints the page (the referral form, the commission statement).
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-print]")) window.print();
  });
})();
