// The device registry (设备台账, X-DEV-1): registering a device, assigning
// it, setting its status and correcting who had it when. The server checks
// who may and writes each to the custody log; these are the forms.
(() => {
  'use strict';
  const { $, $$, t, api, toast } = window.Shilu;

  function showError(el, text) {
    el.textContent = text;
    el.hidden = !text;
  }
  // A datetime-local value is the browser's local time (Asia/Shanghai at
  // the bureau); the API takes RFC 3339 with the zone.
  const iso = v => (v ? new Date(v).toISOString() : null);
  const local = s => {
    const d = new Date(s);
    const p = n => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
  };

  // ---- the registry: register a device -----------------------------------
  const dialog = $('#device-dialog');
  if (dialog) {
    const form = $('#device-form');
    const open = serial => {
      showError($('.form-error', form), '');
      form.serial.value = serial || '';
      dialog.showModal();
      form.serial.focus();
    };
    $('#device-new').addEventListener('click', () => open(''));
    $$('[data-action=device-register]').forEach(b => b.addEventListener('click', () => open(b.dataset.serial)));
    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      const body = { serial: form.serial.value.trim(), kind: form.kind.value, model: form.model.value.trim(), note: form.note.value.trim() };
      try {
        const d = await api('POST', '/api/v1/devices', body);
        location.assign(`/devices/${d.id}`);
      } catch (e) {
        showError($('.form-error', form), e.message);
      }
    });
  }

  // ---- a device's page ---------------------------------------------------
  const card = $('#device-card');
  if (!card) return;
  const id = card.dataset.device;
  const pageError = $('#device-error');

  const assign = $('#assign-form');
  if (assign) {
    assign.from.value = local(new Date());
    assign.addEventListener('submit', async ev => {
      ev.preventDefault();
      try {
        await api('POST', `/api/v1/devices/${id}/assignments`, { officer: assign.officer.value, from: iso(assign.from.value), note: assign.note.value.trim() });
        toast(t('dev_saved'));
        location.reload();
      } catch (e) {
        showError(pageError, e.message);
      }
    });
  }
  const status = $('#status-form');
  if (status) {
    status.addEventListener('submit', async ev => {
      ev.preventDefault();
      const body = { status: status.status.value };
      if (status.since.value) body.status_since = iso(status.since.value);
      try {
        await api('PATCH', `/api/v1/devices/${id}`, body);
        toast(t('dev_saved'));
        location.reload();
      } catch (e) {
        showError(pageError, e.message);
      }
    });
  }
  const edit = $('#edit-dialog');
  if (edit) {
    const form = $('#edit-form');
    let row = null;
    $$('[data-action=assignment-edit]').forEach(b => b.addEventListener('click', () => {
      row = b.closest('tr');
      showError($('.form-error', form), '');
      form.officer.value = row.dataset.officer;
      form.from.value = local(row.dataset.from);
      form.until.value = row.dataset.until ? local(row.dataset.until) : '';
      form.reason.value = '';
      edit.showModal();
    }));
    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      try {
        await api('PATCH', `/api/v1/device-assignments/${row.dataset.id}`, {
          officer: form.officer.value, from: iso(form.from.value), until: iso(form.until.value), reason: form.reason.value.trim(),
        });
        location.reload();
      } catch (e) {
        showError($('.form-error', form), e.message);
      }
    });
  }
})();
