// Accountability (问责, Art. 20-21): opening a case from a finding, the
// officer's own statement, the leader's decision and closing. The server
// decides who may do each and logs it; these are the forms.
(() => {
  'use strict';
  const { $, api } = window.Shilu;

  function showError(form, text) {
    const el = $('.form-error', form);
    el.textContent = text;
    el.hidden = !text;
  }

  function submitting(form, button, send) {
    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      showError(form, '');
      button.disabled = true;
      try {
        await send();
      } catch (e) {
        showError(form, e.message);
        button.disabled = false;
      }
    });
  }

  const openForm = $('#acc-open-form');
  if (openForm) {
    submitting(openForm, $('#acc-open-submit'), async () => {
      const c = await api('POST', '/api/v1/accountability', {
        finding_id: Number(openForm.dataset.finding),
        officer: openForm.officer.value.trim(),
        item: openForm.item.value,
        consequence: openForm.consequence.value,
        facts: openForm.facts.value.trim(),
      });
      location.assign(`/accountability/${c.id}`);
    });
  }

  const card = $('#acc-card');
  if (!card) return;
  const id = card.dataset.case;

  const statementForm = $('#acc-statement-form');
  if (statementForm) {
    submitting(statementForm, $('#acc-statement-submit'), async () => {
      await api('POST', `/api/v1/accountability/${id}/statement`, { statement: statementForm.statement.value.trim() });
      location.reload();
    });
  }

  const decisionForm = $('#acc-decision-form');
  if (decisionForm) {
    submitting(decisionForm, $('#acc-decision-submit'), async () => {
      await api('POST', `/api/v1/accountability/${id}/decision`, {
        decisions: [...decisionForm.querySelectorAll('input[name=decisions]:checked')].map(el => el.value),
        decided_on: decisionForm.decided_on.value,
        note: decisionForm.note.value.trim(),
      });
      location.reload();
    });
  }

  const close = $('#acc-close');
  if (close) {
    close.addEventListener('click', async () => {
      close.disabled = true;
      const err = $('#acc-error');
      try {
        await api('POST', `/api/v1/accountability/${id}/close`, {});
        location.reload();
      } catch (e) {
        err.textContent = e.message;
        err.hidden = false;
        close.disabled = false;
      }
    });
  }
})();
