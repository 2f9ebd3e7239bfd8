// Cases (案件) and their files (案卷): opening a case, moving it forward,
// attaching recordings and activities and taking one out with a reason.
// The server decides who may do each and logs it; these are the forms.
(() => {
  'use strict';
  const { $, t, api, toast } = window.Shilu;

  function showError(el, text) {
    el.textContent = text;
    el.hidden = !text;
  }

  // ---- 案件管理: open a case ---------------------------------------------
  const caseDialog = $('#case-dialog');
  if (caseDialog) {
    const form = $('#case-form');
    const submit = $('#case-submit');
    $('#case-new').addEventListener('click', () => {
      showError($('.form-error', form), '');
      submit.disabled = false;
      caseDialog.showModal();
      $('#nc-number').focus();
    });
    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      const body = {
        number: form.number.value.trim(),
        title: form.title.value.trim(),
        parties: form.parties.value.trim(),
        retention_years: Number(form.retention_years.value),
        officers: [...form.querySelectorAll('input[name=officers]:checked')].map(el => el.value),
      };
      submit.disabled = true;
      try {
        const c = await api('POST', '/api/v1/cases', body);
        location.assign(`/cases/${c.id}`);
      } catch (e) {
        showError($('.form-error', form), e.message);
        submit.disabled = false;
      }
    });
  }

  // ---- a case's page -----------------------------------------------------
  const card = $('#case-card');
  if (!card) return;
  const id = card.dataset.case;
  const pageError = $('#case-error');

  const advance = $('#case-advance');
  if (advance) {
    advance.addEventListener('click', async () => {
      advance.disabled = true;
      try {
        await api('POST', `/api/v1/cases/${id}/status`, { status: advance.dataset.status });
        location.reload();
      } catch (e) {
        showError(pageError, e.message);
        advance.disabled = false;
      }
    });
  }

  const attachForm = $('#attach-form');
  if (attachForm) {
    attachForm.addEventListener('submit', async ev => {
      ev.preventDefault();
      const kind = attachForm.kind.value;
      const ids = attachForm.ids.value.split(/[\s,，、;；]+/).filter(Boolean);
      if (!ids.length || ids.some(s => !/^\d+$/.test(s))) {
        showError(pageError, t('case_bad_ids'));
        return;
      }
      try {
        await api('POST', `/api/v1/cases/${id}/items`, { items: ids.map(s => ({ kind, id: Number(s) })) });
        toast(t('case_attached', ids.length));
        location.reload();
      } catch (e) {
        showError(pageError, e.message);
      }
    });
  }

  const detachDialog = $('#detach-dialog');
  if (detachDialog) {
    const form = $('#detach-form');
    const submit = $('#detach-submit');
    let row = null;
    document.addEventListener('click', ev => {
      const b = ev.target.closest('[data-action=case-detach]');
      if (!b) return;
      row = b.closest('tr');
      $('#detach-summary').textContent = `${row.cells[0].textContent.trim()} ${row.cells[1].textContent.trim()}`;
      form.reason.value = '';
      showError($('.form-error', form), '');
      submit.disabled = false;
      detachDialog.showModal();
      form.reason.focus();
    });
    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      submit.disabled = true;
      try {
        await api('POST', `/api/v1/cases/${id}/detach`, { kind: row.dataset.kind, id: Number(row.dataset.item), reason: form.reason.value.trim() });
        detachDialog.close();
        toast(t('case_detached'));
        location.reload();
      } catch (e) {
        showError($('.form-error', form), e.message);
        submit.disabled = false;
      }
    });
  }
})();
