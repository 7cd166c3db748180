// Plan form: show only the schedule fields that belong to the chosen pattern (and, for a
// custom schedule, to the chosen way of repeating).
// Without JavaScript every field is shown and the unused ones are ignored.
const form = document.querySelector("[data-plan-form]");
if (form) {
  const pattern = form.querySelector("[data-pattern]");
  const modes = form.querySelectorAll('input[name="custom_mode"]');
  const update = () => {
    for (const block of form.querySelectorAll("[data-show-for]")) {
      block.hidden = !block.dataset.showFor.split(" ").includes(pattern.value);
    }
    const mode = [...modes].find((m) => m.checked)?.value;
    for (const block of form.querySelectorAll("[data-custom-for]")) {
      block.hidden = block.dataset.customFor !== mode;
    }
  };
  pattern.addEventListener("change", update);
  for (const m of modes) m.addEventListener("change", update);
  update();
}
