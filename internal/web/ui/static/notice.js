// The notice panel of an activity (templates/_notice.html): the officer
// confirms that the party was told recording is on (Art. 8) and ticks the
// preamble items stated on the recording (X-ACT-2).
(() => {
  'use strict';
  const { $, $$, t, api, toast } = window.Shilu;

  function showError(form, text) {
    const el = $('.form-error', form);
    if (el) { el.textContent = text; el.hidden = !text; } else if (text) toast(text, true);
  }

  async function confirmNotice(btn) {
    const panel = btn.closest('#notice-panel');
    const form = $('#notice-form', panel);
    showError(form, '');
    const stated = $$('input[name=stated]:checked', form).map(el => el.value);
    btn.disabled = true;
    try {
      await api('POST', `/api/v1/activities/${panel.dataset.activity}/notice`, { stated });
      toast(t('notice_saved'));
      // The findings and the confirmation state are rendered by the server.
      setTimeout(() => location.reload(), 600);
    } catch (e) {
      showError(form, e.message);
      btn.disabled = false;
    }
  }

  document.addEventListener('click', ev => {
    const btn = ev.target.closest('[data-action="notice-confirm"]');
    if (btn) confirmNotice(btn);
  });
})();
