// Extractions (提取, Art. 15, 18): the request from a case's page, the
// leader's decision on the approvals page, the recipient's receipt in the
// register. The server decides who may do each, and logs it.
(() => {
  'use strict';
  const { $, t, api, toast } = window.Shilu;

  function showError(el, text) {
    if (!el) return;
    el.textContent = text;
    el.hidden = !text;
  }

  // "1:05", "65" or "0:01:05" → milliseconds; "" → null; NaN when unreadable.
  function offset(s) {
    s = s.trim();
    if (!s) return null;
    if (!/^\d+(:\d{1,2}){0,2}$/.test(s)) return NaN;
    return s.split(':').reduce((acc, p) => acc * 60 + Number(p), 0) * 1000;
  }

  // ---- a case's page: ask for an extraction ------------------------------
  const form = $('#extract-form');
  if (form) {
    const submit = $('#extract-submit');
    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      const err = $('.form-error', form);
      const items = [];
      for (const box of form.querySelectorAll('input[name=rec]:checked')) {
        const id = Number(box.value);
        const start = offset(form.elements['start-' + id].value), end = offset(form.elements['end-' + id].value);
        // Both ends or neither; the server checks the order again.
        if (Number.isNaN(start) || Number.isNaN(end) || (start === null) !== (end === null) || (end !== null && end <= start)) {
          showError(err, t('ext_bad_span', id));
          return;
        }
        const item = { recording_id: id };
        if (start !== null) {
          item.start_ms = start;
          item.end_ms = end;
        }
        items.push(item);
      }
      if (!items.length) { showError(err, t('ext_none')); return; }
      submit.disabled = true;
      try {
        await api('POST', '/api/v1/extractions', {
          case_id: Number(form.dataset.case), purpose: form.purpose.value, recipient: form.recipient.value.trim(),
          proves: form.proves.value.trim(), place: form.place.value.trim(), items,
        });
        toast(t('ext_asked'));
        setTimeout(() => location.reload(), 600);
      } catch (e) {
        showError(err, e.message);
        submit.disabled = false;
      }
    });
  }

  // ---- decisions and receipts --------------------------------------------
  const dialog = $('#ext-dialog');
  if (!dialog) return;
  const dform = $('#ext-dialog-form');
  let current = null;
  document.addEventListener('click', ev => {
    const b = ev.target.closest('[data-action=ext-decide],[data-action=ext-receipt]');
    if (!b) return;
    const kind = b.dataset.action === 'ext-receipt' ? 'receipt' : b.dataset.decision;
    current = { id: b.dataset.id, kind };
    $('#ext-dialog-title').textContent = $('#ext-dialog-title').dataset[kind];
    const label = $('#ext-dialog-label');
    label.textContent = label.dataset[kind === 'receipt' ? 'receipt' : 'comment'];
    $('#ext-dialog-summary').textContent = t('ext_summary', current.id);
    dform.reset();
    showError($('.form-error', dform), '');
    $('#ext-dialog-submit').className = 'btn ' + (kind === 'reject' ? 'btn-danger' : kind === 'approve' ? 'btn-success' : 'btn-primary');
    dialog.showModal();
    dform.text.focus();
  });
  dform.addEventListener('submit', async ev => {
    ev.preventDefault();
    const text = dform.text.value.trim();
    if (current.kind !== 'approve' && text.length < 2) { showError($('.form-error', dform), t('need_comment')); return; }
    try {
      if (current.kind === 'receipt') {
        await api('POST', `/api/v1/extractions/${current.id}/receipt`, { receipt: text });
      } else {
        await api('POST', `/api/v1/extractions/${current.id}/${current.kind}`, { comment: text });
      }
      dialog.close();
      toast(t(current.kind === 'receipt' ? 'ext_receipt_done' : current.kind === 'approve' ? 'approved' : 'rejected'));
      setTimeout(() => location.reload(), 600);
    } catch (e) {
      showError($('.form-error', dform), e.message);
    }
  });
})();
