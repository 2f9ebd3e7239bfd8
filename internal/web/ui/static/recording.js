// The custodian's correction of a recording's description (device and
// officer) with a reason. The server checks the role, requires the reason
// and writes the custody entry with the values before and after; this is
// only the dialog.
(() => {
  'use strict';
  const { $, t, api, toast } = window.Shilu;
  const dialog = $('#correct-dialog');
  if (!dialog) return;
  const form = $('#correct-form');
  const showError = text => { const el = $('.form-error', form); el.textContent = text; el.hidden = !text; };
  $('#correct-open').addEventListener('click', () => {
    form.reset();
    showError('');
    dialog.showModal();
    form.reason.focus();
  });
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    showError('');
    const reason = form.reason.value.trim();
    if (!reason) { showError(t('need_reason')); form.reason.focus(); return; }
    try {
      await api('PATCH', `/api/v1/recordings/${form.dataset.id}`, { device: form.device.value.trim(), officer: form.officer.value.trim(), reason });
      dialog.close();
      toast(t('rec_corrected'));
      setTimeout(() => location.reload(), 600);
    } catch (e) {
      showError(e.message);
    }
  });
})();
