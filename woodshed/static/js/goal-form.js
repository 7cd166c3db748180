// Goal form: show only the subject and target fields that fit the chosen kind and measure.
// Without JavaScript every field is shown and the server ignores the ones that do not fit.
const form = document.querySelector("[data-goal-form]");
if (form) {
  const kind = form.querySelector("[data-goal-kind]");
  const targetType = form.querySelector("[data-target-type]");
  const update = () => {
    for (const box of form.querySelectorAll("[data-subject]")) {
      box.hidden = box.dataset.subject !== kind.value;
    }
    const type = targetType.value;
    for (const box of form.querySelectorAll("[data-target]")) {
      const wanted = box.dataset.target === "checklist" ? type === "checklist" : type !== "" && type !== "checklist";
      box.hidden = !wanted;
    }
  };
  kind.addEventListener("change", update);
  targetType.addEventListener("change", update);
  update();
}
