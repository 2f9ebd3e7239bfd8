// Spot checks (抽查, X-RPT-2): drawing a month's sample and reviewing an
// item with the form. The server decides who may do each and logs it.
(() => {
  'use strict';
  const { $, api } = window.Shilu;

  function showError(form, text) {
    const el = $('.form-error', form);
    el.textContent = text;
    el.hidden = !text;
  }

  const draw = $('#spot-draw-form');
  if (draw) {
    const submit = $('#spot-draw-submit');
    draw.addEventListener('submit', async ev => {
      ev.preventDefault();
      showError(draw, '');
      const body = {
        department_id: Number(draw.department.value),
        month: draw.month.value,
        size: Number(draw.size.value),
        reviewers: [...draw.querySelectorAll('input[name=reviewers]:checked')].map(el => Number(el.value)),
      };
      const seed = draw.seed.value.trim();
      if (seed !== '') body.seed = Number(seed);
      submit.disabled = true;
      try {
        const s = await api('POST', '/api/v1/spot-checks', body);
        location.assign(`/spotchecks/${s.id}`);
      } catch (e) {
        showError(draw, e.message);
        submit.disabled = false;
      }
    });
  }

  const dialog = $('#spot-dialog');
  if (!dialog) return;
  const form = $('#spot-review-form');
  const submit = $('#spot-review-submit');
  let item = null;
  document.addEventListener('click', ev => {
    const b = ev.target.closest('[data-action=spot-review]');
    if (!b) return;
    item = b.dataset.item;
    form.reset();
    showError(form, '');
    submit.disabled = false;
    dialog.showModal();
  });
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    const answers = {};
    for (const f of form.querySelectorAll('fieldset')) {
      const checked = f.querySelector('input[type=radio]:checked');
      if (checked) answers[checked.name] = checked.value === 'yes';
    }
    submit.disabled = true;
    try {
      await api('POST', `/api/v1/spot-check-items/${item}/review`, { answers, note: form.note.value.trim() });
      location.reload();
    } catch (e) {
      showError(form, e.message);
      submit.disabled = false;
    }
  });
})();
