// The custodian's registration of a grant before its first playback
// (Art. 16: 经保管人登记后方可查阅). One click; the server checks the role,
// the custodian's departments and the grant, and writes the custody entry.
(() => {
  'use strict';
  const { t, api, toast } = window.Shilu;
  document.addEventListener('click', async ev => {
    const b = ev.target.closest('[data-action=register-grant]');
    if (!b) return;
    b.disabled = true;
    try {
      await api('POST', `/api/v1/grants/${b.dataset.id}/register`);
      const cell = b.closest('td');
      cell.textContent = '';
      const tag = document.createElement('span');
      tag.className = 'tag tag-success reg-done';
      tag.textContent = t('reg_done');
      cell.append(tag);
      toast(t('reg_done'));
    } catch (e) {
      toast(e.message, true);
      b.disabled = false;
    }
  });

  // The bureau's policy (角色管理, the security administrator): register
  // every grant when it is approved. The server logs the change.
  const policy = document.getElementById('viewing-policy-form');
  if (policy) {
    policy.addEventListener('submit', async ev => {
      ev.preventDefault();
      try {
        await api('PUT', '/api/v1/viewing-settings', { auto_register: policy.auto_register.checked });
        toast(t('vp_saved'));
      } catch (e) {
        toast(e.message, true);
      }
    });
  }
})();
