// Preselect the browser's time zone in a [data-detect-timezone] select, unless the
// person already chose one (a re-rendered form keeps their choice).
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
for (const select of document.querySelectorAll("select[data-detect-timezone]")) {
  const untouched = !select.dataset.userChosen && (select.value === "UTC" || select.value === "");
  if (zone && untouched && [...select.options].some((o) => o.value === zone)) {
    select.value = zone;
  }
}
