// Behaviour shared by every page; each feature is hooked by a data- attribute.

// Ask before destructive form submissions: <form data-confirm="Really?">.
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
});

// Move focus to the error summary so keyboard and screen-reader users hear what to fix.
const summary = document.querySelector("[data-focus-on-load]");
if (summary) summary.focus();

// The CSRF token for fetch() calls to the JSON API from our own pages.
export function csrfHeaders() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? { "X-CSRFToken": meta.content } : {};
}
