// Activity and findings pages: the dialogs that create an activity, link
// proposed recordings, explain interruptions, log device checks, submit and
// acknowledge exemptions, accept findings and void a mistaken activity. Every change goes through the
// JSON API (window.Shilu.api, with the CSRF token), so the server's
// permission checks decide it; the page then reloads to show the server's
// own evaluation.
'use strict';
(function () {
  const S = window.Shilu;
  if (!S) return;
  const { $, $$, t, api, toast } = S;

  function showError(form, text) {
    const el = $('.form-error', form);
    if (el) { el.textContent = text; el.hidden = !text; } else if (text) toast(text, true);
  }
  const field = (form, name) => form.elements.namedItem(name);
  const reloadSoon = () => setTimeout(() => location.reload(), 500);

  // Times: the pages show and take Beijing time (UTC+8) whatever the
  // browser's zone; the API gets RFC 3339 with the +08:00 offset.
  const pad = n => String(n).padStart(2, '0');
  function localInput(date, seconds) {
    const d = new Date(date.getTime() + 8 * 3600e3);
    const s = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
    return seconds ? s + ':' + pad(d.getUTCSeconds()) : s;
  }
  const localText = iso => localInput(new Date(iso), true).replace('T', ' ');
  function rfcLocal(v) {
    if (!v) return null;
    return (v.length === 16 ? v + ':00' : v) + '+08:00';
  }
  const split = v => v.split(/[\s,，、;；]+/).map(s => s.trim()).filter(Boolean);

  // The activity page's facts for the dialogs (a JSON block: the CSP allows
  // no inline script).
  const dataEl = $('#activity-data');
  const data = dataEl ? JSON.parse(dataEl.textContent) : null;

  // ---- new or corrected activity (list and activity page) ---------------
  // The same dialog creates an activity (POST) or, when the form carries
  // data-activity, sends every field as a PATCH that replaces them.
  const deferred = ['continuous', 'away', 'remote'];
  const preservable = ['investigation', 'coercion', 'other']; // Art. 6 (三), (五), (六)
  function syncForm(form) {
    $('#na-return-field').hidden = !deferred.includes(field(form, 'work_mode').value);
    $('#na-preservation').hidden = !preservable.includes(field(form, 'type').value);
    $('#na-preservation-fields').hidden = !field(form, 'preserved').checked;
  }
  // The officer picker: the bureau's officers as checkboxes (张伟（000123）,
  // sending the number), narrowed by what is typed in its filter.
  const pickedOfficers = form => $$('input[name=officers]', form).filter(b => b.checked).map(b => b.value);
  function filterOfficers(form) {
    const q = $('#na-officer-filter', form).value.trim().toLowerCase();
    $$('#na-officers label', form).forEach(l => {
      l.hidden = !!q && !l.dataset.text.toLowerCase().includes(q) && !l.querySelector('input').checked;
    });
  }
  function initActivityForm() {
    const form = $('#activity-form');
    if (!form) return;
    $('#na-officer-filter', form).addEventListener('input', () => filterOfficers(form));
    ['work_mode', 'type', 'preserved'].forEach(n => field(form, n).addEventListener('change', () => syncForm(form)));
    syncForm(form);
    const editing = form.dataset.activity;
    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      showError(form, '');
      const officers = pickedOfficers(form);
      if (!officers.length) { showError(form, t('act_need_officers')); return; }
      const arrival = rfcLocal(field(form, 'arrival').value), end = rfcLocal(field(form, 'end').value);
      if (!arrival || !end) { showError(form, t('act_need_times')); return; }
      const mode = field(form, 'work_mode').value, type = field(form, 'type').value;
      const body = {
        type,
        place: { address: field(form, 'address').value.trim() },
        officers,
        devices: split(field(form, 'devices').value),
        party: field(form, 'party').value.trim(),
        arrival, end,
        work_mode: mode,
        return_at: deferred.includes(mode) ? rfcLocal(field(form, 'return_at').value) : null,
        case_number: field(form, 'case_number').value.trim(),
        scene: field(form, 'scene').value.trim(),
        violations: field(form, 'violations').value.trim(),
        physical_evidence: field(form, 'physical_evidence').value.trim(),
        preservation: null,
      };
      // X-ACT-3: 先行登记保存, its approval and the decision that follows.
      if (preservable.includes(type) && field(form, 'preserved').checked) {
        const by = field(form, 'preservation_by').value.trim(), at = rfcLocal(field(form, 'preservation_at').value);
        if (!by || !at) { showError(form, t('act_need_preservation')); return; }
        body.preservation = { approved_by: by, approved_at: at, decided_at: rfcLocal(field(form, 'preservation_decided').value) };
      }
      if (!editing) {
        if (!body.return_at) delete body.return_at;
        if (!body.preservation) delete body.preservation;
      }
      const btn = $('#activity-submit');
      btn.disabled = true;
      try {
        if (editing) {
          await api('PATCH', '/api/v1/activities/' + editing, body);
          toast(t('act_saved'));
          reloadSoon();
        } else {
          const a = await api('POST', '/api/v1/activities', body);
          toast(t('act_created'));
          location.assign('/activities/' + a.id);
        }
      } catch (e) {
        showError(form, e.message);
        btn.disabled = false;
      }
    });
  }
  function openActivityForm() {
    const form = $('#activity-form');
    if (!form.dataset.activity) form.reset();
    showError(form, '');
    filterOfficers(form);
    syncForm(form);
    $('#activity-dialog').showModal();
    field(form, 'address').focus();
  }

  // ---- unlink a recording linked by mistake ------------------------------
  async function unlink(btn) {
    if (!confirm(t('act_unlink_confirm'))) return;
    btn.disabled = true;
    try {
      await api('DELETE', `/api/v1/activities/${data.id}/recordings/${btn.dataset.id}`);
      toast(t('act_unlinked'));
      reloadSoon();
    } catch (e) {
      toast(e.message, true);
      btn.disabled = false;
    }
  }

  // ---- proposals: link the confirmed ones (Art. 4, 9) --------------------
  function initLink() {
    const btn = $('#link-selected');
    if (!btn) return;
    const boxes = $$('input[name=proposal]');
    const update = () => { btn.disabled = !boxes.some(b => b.checked); };
    boxes.forEach(b => b.addEventListener('change', update));
    const all = $('[data-action=act-check-all]');
    if (all) all.addEventListener('change', () => { boxes.forEach(b => { b.checked = all.checked; }); update(); });
  }
  async function linkSelected(btn) {
    const ids = $$('input[name=proposal]').filter(b => b.checked).map(b => Number(b.value));
    if (!ids.length) return;
    btn.disabled = true;
    try {
      const ans = await api('POST', `/api/v1/activities/${data.id}/recordings`, { recording_ids: ids });
      toast(t('act_linked', (ans.linked || ids).length));
      reloadSoon();
    } catch (e) {
      toast(e.message, true);
      btn.disabled = false;
    }
  }

  // ---- explain an interruption (Art. 11; R-ACT-6, R-ACT-7) ---------------
  let gap = null;
  function parsePoint(v) {
    v = v.trim();
    if (!v) return null; // never assumed: 0:00 must be typed
    let m = /^(\d+):([0-5]?\d)$/.exec(v);
    if (m) return (Number(m[1]) * 60 + Number(m[2])) * 1000;
    m = /^\d+$/.exec(v);
    return m ? Number(v) * 1000 : NaN;
  }
  const fmtPoint = ms => `${Math.floor(ms / 60000)}:${pad(Math.floor(ms / 1000) % 60)}`;
  function syncCouldNot(form) {
    const could = field(form, 'could_not_continue').checked;
    $('#ex-voice-fields').hidden = could;
    $('#ex-report-fields').hidden = !could;
  }
  function openExplain(index) {
    const form = $('#explain-form');
    if (!form || !data) return;
    gap = data.interruptions[index];
    if (!gap) return;
    form.reset();
    showError(form, '');
    // The officer by name, as the coverage table shows them (张伟（000123）).
    const who = $(`.coverage-table tr[data-officer="${CSS.escape(gap.officer)}"] td`);
    $('#explain-gap').textContent = t('act_gap_of', who ? who.textContent.trim() : gap.officer, localText(gap.start), localText(gap.end));
    // Only the officer's own recordings are offered, and none is chosen
    // for them: the server checks that it is the one resumed after the gap
    // (Art. 11) and that the point lies within it.
    $$('#ex-voice option', form).forEach(o => { o.hidden = o.disabled = !!o.value && o.dataset.officer !== gap.officer; });
    const ex = gap.explanation;
    if (ex) {
      field(form, 'cause').value = ex.cause;
      field(form, 'note').value = ex.note || '';
      field(form, 'voice_recording_id').value = ex.voice_recording_id ? String(ex.voice_recording_id) : '';
      field(form, 'voice_point').value = ex.voice_recording_id ? fmtPoint(ex.voice_point_ms || 0) : '';
      field(form, 'could_not_continue').checked = !!ex.could_not_continue;
      field(form, 'reported_to').value = ex.reported_to || '';
      field(form, 'reported_at').value = ex.reported_at ? localInput(new Date(ex.reported_at)) : '';
      field(form, 'written_explanation').value = ex.written_explanation || '';
    }
    syncCouldNot(form);
    $('#explain-dialog').showModal();
    field(form, 'cause').focus();
  }
  function initExplain() {
    const form = $('#explain-form');
    if (!form) return;
    field(form, 'could_not_continue').addEventListener('change', () => syncCouldNot(form));
    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      showError(form, '');
      const could = field(form, 'could_not_continue').checked;
      const body = { officer: gap.officer, start: gap.start, end: gap.end, cause: field(form, 'cause').value, note: field(form, 'note').value.trim(), could_not_continue: could };
      if (could) {
        body.reported_to = field(form, 'reported_to').value.trim();
        if (!body.reported_to) { showError(form, t('act_need_report')); return; }
        body.reported_at = rfcLocal(field(form, 'reported_at').value);
        body.written_explanation = field(form, 'written_explanation').value.trim();
      } else {
        body.voice_recording_id = Number(field(form, 'voice_recording_id').value) || 0;
        if (!body.voice_recording_id) { showError(form, t('act_need_voice')); return; }
        const ms = parsePoint(field(form, 'voice_point').value);
        if (ms === null) { showError(form, t('act_need_point')); return; }
        if (Number.isNaN(ms)) { showError(form, t('act_bad_point')); return; }
        body.voice_point_ms = ms;
      }
      try {
        await api('POST', `/api/v1/activities/${data.id}/interruptions`, body);
        $('#explain-dialog').close();
        toast(t('act_explained'));
        reloadSoon();
      } catch (e) {
        showError(form, e.message);
      }
    });
  }

  // ---- device checks (Art. 5; R-DEV-1) ------------------------------------
  function openCheck() {
    const form = $('#check-form');
    form.reset();
    showError(form, '');
    field(form, 'checked_at').value = localInput(new Date());
    const dev = $('#dc-devices option');
    if (dev) field(form, 'device').value = dev.value;
    $('#check-dialog').showModal();
    field(form, 'officer').focus();
  }
  function initCheck() {
    const form = $('#check-form');
    if (!form) return;
    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      showError(form, '');
      const body = {
        officer: field(form, 'officer').value, device: field(form, 'device').value.trim(),
        battery_ok: field(form, 'battery_ok').checked, storage_ok: field(form, 'storage_ok').checked, clock_ok: field(form, 'clock_ok').checked,
        checked_at: rfcLocal(field(form, 'checked_at').value), note: field(form, 'note').value.trim(),
      };
      try {
        await api('POST', `/api/v1/activities/${data.id}/device-checks`, body);
        $('#check-dialog').close();
        toast(t('act_checked'));
        reloadSoon();
      } catch (e) {
        showError(form, e.message);
      }
    });
  }

  // ---- exemptions (Art. 7; R-ACT-2) ---------------------------------------
  function openExemption() {
    const form = $('#exemption-form');
    form.reset();
    showError(form, '');
    $('#exemption-dialog').showModal();
    field(form, 'category').focus();
  }
  function initExemption() {
    const form = $('#exemption-form');
    if (!form) return;
    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      showError(form, '');
      const body = { category: field(form, 'category').value, reason: field(form, 'reason').value.trim(), basis: field(form, 'basis').value.trim() };
      try {
        await api('POST', `/api/v1/activities/${data.id}/exemptions`, body);
        $('#exemption-dialog').close();
        toast(t('act_exempted'));
        reloadSoon();
      } catch (e) {
        showError(form, e.message);
      }
    });
  }
  async function acknowledge(btn) {
    btn.disabled = true;
    try {
      await api('POST', `/api/v1/exemptions/${btn.dataset.id}/acknowledge`);
      toast(t('act_acknowledged'));
      reloadSoon();
    } catch (e) {
      toast(e.message, true);
      btn.disabled = false;
    }
  }

  // ---- accepting a finding (the leader's review) ---------------------------
  let accepting = null;
  function openAccept(id) {
    const form = $('#accept-form');
    if (!form) return;
    accepting = id;
    form.reset();
    showError(form, '');
    $('#accept-dialog').showModal();
    field(form, 'comment').focus();
  }
  function initAccept() {
    const form = $('#accept-form');
    if (!form) return;
    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      showError(form, '');
      try {
        await api('POST', `/api/v1/findings/${accepting}/accept`, { comment: field(form, 'comment').value.trim() });
        $('#accept-dialog').close();
        toast(t('act_accepted'));
        reloadSoon();
      } catch (e) {
        showError(form, e.message);
      }
    });
  }

  // ---- void (作废) a mistaken activity ----------------------------------------
  function openVoid() {
    const form = $('#void-form');
    if (!form) return;
    form.reset();
    showError(form, '');
    $('#void-dialog').showModal();
    field(form, 'reason').focus();
  }
  function initVoid() {
    const form = $('#void-form');
    if (!form) return;
    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      showError(form, '');
      const reason = field(form, 'reason').value.trim();
      if (!reason) { showError(form, t('act_need_void_reason')); return; }
      const btn = $('#void-submit');
      btn.disabled = true;
      try {
        await api('POST', `/api/v1/activities/${data.id}/void`, { reason });
        $('#void-dialog').close();
        toast(t('act_voided'));
        reloadSoon();
      } catch (e) {
        showError(form, e.message);
        btn.disabled = false;
      }
    });
  }

  // ---- wiring ----------------------------------------------------------------
  function act(el) {
    switch (el.dataset.action) {
      case 'act-new': case 'act-edit': openActivityForm(); break;
      case 'act-unlink': unlink(el); break;
      case 'act-link': linkSelected(el); break;
      case 'act-explain': openExplain(Number(el.dataset.index)); break;
      case 'act-check': openCheck(); break;
      case 'act-exemption': openExemption(); break;
      case 'act-acknowledge': acknowledge(el); break;
      case 'act-accept': openAccept(el.dataset.id); break;
      case 'act-void': openVoid(); break;
    }
  }
  document.addEventListener('click', ev => {
    const el = ev.target.closest('[data-action^="act-"]');
    if (el && el.dataset.action !== 'act-check-all') act(el);
  });
  // The timeline's gaps are focusable buttons: Enter or Space opens them too.
  document.addEventListener('keydown', ev => {
    if (ev.key !== 'Enter' && ev.key !== ' ') return;
    const el = ev.target.closest && ev.target.closest('#coverage-timeline [data-action="act-explain"]');
    if (el) { ev.preventDefault(); act(el); }
  });
  document.addEventListener('DOMContentLoaded', () => {
    initActivityForm();
    initLink();
    initExplain();
    initCheck();
    initExemption();
    initAccept();
    initVoid();
  });
})();
