// Plan form: show only the schedule fields that belong to the chosen pattern.
// Without JavaScript every field is shown and the unused ones are ignored.
const form = document.querySelector("[data-plan-form]");
if (form) {
  const pattern = form.querySelector("[data-pattern]");
  const update = () => {
    for (const block of form.querySelectorAll("[data-show-for]")) {
      block.hidden = !block.dataset.showFor.split(" ").includes(pattern.value);
    }
  };
  pattern.addEventListener("change", update);
  update();
}
