// Retention actions on the recording page and the disposals page: place or
// lift a hold, give a class, propose, approve or cancel a disposal. Each
// asks for a reason where the custody log needs one; the server checks the
// role, the scope (a leader for the people they lead), the two people and
// the dates, and writes the custody entries. This is only the dialog.
(() => {
  'use strict';
  const { $, t, api, toast } = window.Shilu;
  const dialog = $('#reason-dialog');
  const form = $('#reason-form');
  const showError = text => { const el = $('.form-error', form); el.textContent = text; el.hidden = !text; };
  let submit = null;

  function ask(title, hint, opts, fn) {
    form.reset();
    showError('');
    $('#reason-title').textContent = title;
    $('#reason-hint').textContent = hint || '';
    $('#reason-kind-field').hidden = !opts.kind;
    const classField = $('#reason-class-field');
    classField.hidden = !opts.classes;
    if (opts.classes) {
      const sel = $('#reason-class');
      sel.textContent = '';
      for (const c of opts.classes) {
        const o = document.createElement('option');
        o.value = c.id; o.textContent = c.name; o.selected = String(c.id) === opts.current;
        sel.append(o);
      }
    }
    submit = fn;
    dialog.showModal();
    form.reason.focus();
  }

  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    showError('');
    const reason = form.reason.value.trim();
    if (!reason) { showError(t('ret_need_reason')); form.reason.focus(); return; }
    try {
      await submit(reason);
      dialog.close();
      toast(t('ret_done'));
      setTimeout(() => location.reload(), 600);
    } catch (e) {
      showError(e.message);
    }
  });

  async function now(fn) {
    try { await fn(); toast(t('ret_done')); setTimeout(() => location.reload(), 600); } catch (e) { toast(e.message, true); }
  }

  document.addEventListener('click', ev => {
    const el = ev.target.closest('[data-action]');
    if (!el) return;
    const d = el.dataset;
    switch (d.action) {
      case 'place-hold':
        ask(t('ret_hold_title'), t('ret_hold_hint'), { kind: true }, reason =>
          api('POST', `/api/v1/recordings/${d.recording}/holds`, { kind: form.kind.value, reason }));
        break;
      case 'lift-hold':
        ask(t('ret_lift_title'), '', {}, reason => api('POST', `/api/v1/holds/${d.hold}/lift`, { reason }));
        break;
      case 'classify':
        ask(t('ret_classify_title'), t('ret_classify_hint'), { classes: JSON.parse(d.classes || '[]'), current: d.class }, reason =>
          api('PUT', `/api/v1/recordings/${d.recording}/class`, { class_id: Number(form['class'].value), reason }));
        break;
      case 'propose-disposal':
        ask(t('ret_propose_title'), t('ret_propose_hint', d.name || ''), {}, reason =>
          api('POST', '/api/v1/disposals', { recording_id: Number(d.recording), reason }));
        break;
      case 'cancel-disposal':
        ask(t('ret_cancel_title'), '', {}, reason => api('POST', `/api/v1/disposals/${d.disposal}/cancel`, { reason }));
        break;
      case 'approve-disposal':
        // The grace period that follows is the second look (it can be cancelled).
        now(() => api('POST', `/api/v1/disposals/${d.disposal}/approve`));
        break;
      default:
        return;
    }
    ev.preventDefault();
  });
})();
