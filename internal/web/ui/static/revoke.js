// Ending access early (Art. 16-17; R-VIEW-1): the requester withdraws a
// pending request on 我的申请, and the custodian, a leader or the security
// administrator revokes a grant, with a reason, on 授权管理. The server
// decides who may do either and logs both on the custody trail; these are
// only the dialogs.
(() => {
  'use strict';
  const { $, t, api, toast } = window.Shilu;

  function showError(form, text) {
    const el = $('.form-error', form);
    el.textContent = text;
    el.hidden = !text;
  }

  // Times as the pages show them: Beijing time whatever the browser's zone.
  const pad = n => String(n).padStart(2, '0');
  function beijing(iso) {
    const d = new Date(new Date(iso).getTime() + 8 * 3600e3);
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  }

  // ---- 我的申请: withdraw a pending request ------------------------------
  const withdrawDialog = $('#withdraw-dialog');
  if (withdrawDialog) {
    const form = $('#withdraw-form');
    const submit = $('#withdraw-submit');
    let row = null;
    document.addEventListener('click', ev => {
      const b = ev.target.closest('[data-action=rv-withdraw]');
      if (!b) return;
      row = b.closest('tr');
      $('#withdraw-summary').textContent = t('rv_withdraw_summary', b.dataset.id, row.cells[2].textContent.trim());
      showError(form, '');
      submit.disabled = false;
      withdrawDialog.showModal();
      submit.focus();
    });
    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      submit.disabled = true;
      try {
        const req = await api('POST', `/api/v1/access-requests/${row.dataset.request}/withdraw`);
        withdrawDialog.close();
        // The row shows what the server stored; the request stays in the
        // list, as every request does.
        if (req.status === 'withdrawn') {
          const tag = $('.req-status', row);
          tag.textContent = t('rv_withdrawn');
          tag.className = 'tag tag-muted req-status';
        }
        $('.req-decision', row).textContent = req.decided_at ? `${req.decided_by} · ${beijing(req.decided_at)}` : '—';
        $('.req-actions', row).textContent = '';
        toast(t('rv_withdraw_done'));
      } catch (e) {
        showError(form, e.message);
        submit.disabled = false;
      }
    });
  }

  // ---- 授权管理: revoke a grant, with a reason ------------------------------
  const revokeDialog = $('#revoke-dialog');
  if (revokeDialog) {
    const form = $('#revoke-form');
    const submit = $('#revoke-submit');
    let id = null;
    document.addEventListener('click', ev => {
      const b = ev.target.closest('[data-action=rv-revoke]');
      if (!b) return;
      id = b.dataset.id;
      const row = b.closest('tr');
      $('#revoke-summary').textContent = t('rv_revoke_summary', id, row ? row.dataset.grantee : '');
      form.reset();
      showError(form, '');
      submit.disabled = false;
      revokeDialog.showModal();
      form.reason.focus();
    });
    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      // One line: the custody entry keeps the reason as a single field.
      const reason = form.reason.value.replace(/\s+/g, ' ').trim();
      if ([...reason].length < 2) {
        showError(form, t('rv_need_reason'));
        form.reason.focus();
        return;
      }
      submit.disabled = true;
      try {
        await api('POST', `/api/v1/grants/${id}/revoke`, { reason });
        revokeDialog.close();
        const row = document.querySelector(`tr[data-grant="${CSS.escape(id)}"]`);
        if (row) row.remove();
        toast(t('rv_revoked'));
        // Reload for the counts and paging of the list as the server sees it.
        setTimeout(() => location.reload(), 800);
      } catch (e) {
        showError(form, e.message);
        submit.disabled = false;
      }
    });
  }
})();
