// The leader's decision on an access request (Art. 16; R-VIEW-1): the
// dialog shows what is being approved (the recordings, the requester, the
// purpose, reason and period, from the row's <template>) and lets the
// leader shorten the period before approving. The server checks that the
// period stays within the one asked and records both in the custody log.
(() => {
  'use strict';
  const { $, $$, t, api, toast } = window.Shilu;
  const form = $('#decide-form');
  if (!form) return;
  const dialog = $('#decide-dialog');

  function showError(text) {
    const el = $('.form-error', form);
    el.textContent = text;
    el.hidden = !text;
  }
  // The inputs hold Beijing time (UTC+8) whatever the browser's zone.
  const toISO = v => new Date(v + (v.length === 16 ? ':00' : '') + '+08:00').toISOString();

  let current = null;
  $$('[data-action=decide]').forEach(b => b.addEventListener('click', () => {
    const id = b.dataset.id;
    const detail = $('#req-detail-' + id);
    current = { id, decision: b.dataset.decision, from: detail ? detail.dataset.from : '', until: detail ? detail.dataset.until : '' };
    const title = $('#decide-title');
    title.textContent = title.dataset[current.decision];
    const row = b.closest('tr');
    $('#decide-summary').textContent = t('summary', id, row ? row.cells[1].textContent.trim() : '');
    const box = $('#decide-details');
    box.replaceChildren();
    if (detail) box.append(detail.content.cloneNode(true));
    const approve = current.decision === 'approve';
    form.reset();
    const period = $('#decide-period');
    period.hidden = !approve || !detail;
    for (const [name, value] of [['from', current.from], ['until', current.until]]) {
      const input = form.elements[name];
      input.value = value;
      input.min = current.from;
      input.max = current.until;
    }
    const submit = $('#decide-submit');
    submit.className = 'btn ' + (approve ? 'btn-success' : 'btn-danger');
    showError('');
    dialog.showModal();
    form.comment.focus();
  }));

  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    const comment = form.comment.value.trim();
    if (current.decision === 'reject' && comment.length < 2) { showError(t('need_comment')); return; }
    const body = { comment };
    if (current.decision === 'approve') {
      // Only a changed end is sent: unchanged, the server grants the
      // period asked.
      const from = form.elements.from.value, until = form.elements.until.value;
      if (from && from !== current.from) body.from = toISO(from);
      if (until && until !== current.until) body.until = toISO(until);
    }
    try {
      await api('POST', `/api/v1/access-requests/${current.id}/${current.decision}`, body);
      dialog.close();
      toast(t(current.decision === 'approve' ? 'approved' : 'rejected'));
      setTimeout(() => location.reload(), 600);
    } catch (e) {
      showError(e.message);
    }
  });
})();
