// Shilu workbench scripts: sign-in, dialogs and actions that call the JSON
// API with the session cookie and the CSRF token, and a small tus client
// for uploads. No dependencies; everything is served by the binary.
'use strict';
(function () {
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const M = JSON.parse(($('#messages') || {}).textContent || '{}');
  const t = (key, ...args) => {
    let i = 0;
    return (M[key] || key).replace(/%[sd]/g, () => String(args[i++]));
  };

  // CSRF token of the session: from the sign-in answer, else from
  // GET /api/v1/session (the cookie itself is out of the scripts' reach).
  let csrf = sessionStorage.getItem('shilu.csrf') || '';
  async function csrfToken(fresh) {
    if (csrf && !fresh) return csrf;
    const r = await fetch('/api/v1/session', { credentials: 'same-origin' });
    if (r.ok) {
      csrf = (await r.json()).csrf_token || '';
      sessionStorage.setItem('shilu.csrf', csrf);
    }
    return csrf;
  }

  class APIError extends Error {
    constructor(status, body) {
      const e = (body && body.error) || {};
      super(e.message || ('HTTP ' + status));
      this.status = status; this.code = e.code; this.details = e.details || {};
    }
  }

  // api calls the JSON API; unsafe methods carry the CSRF token.
  async function api(method, path, body, retried) {
    const headers = { 'Accept': 'application/json' };
    if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = await csrfToken();
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let r;
    try {
      r = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      throw new Error(t('network'));
    }
    if (r.status === 204) return {};
    const data = await r.json().catch(() => ({}));
    if (!r.ok) {
      // A stale token (e.g. after signing in again in another tab): fetch a
      // fresh one and retry once.
      if (r.status === 403 && !retried && /CSRF/i.test((data.error || {}).message || '')) {
        await csrfToken(true);
        return api(method, path, body, true);
      }
      // The session ended (idle timeout, signed out elsewhere): sign in
      // again and come back here.
      if (r.status === 401 && !path.startsWith('/api/v1/login') && !path.startsWith('/api/v1/session') && !path.startsWith('/api/v1/logout')) {
        location.assign('/login?next=' + encodeURIComponent(location.pathname + location.search));
      }
      throw new APIError(r.status, data);
    }
    return data;
  }

  let toastTimer;
  function toast(text, isError) {
    const el = $('#toast');
    if (!el) { if (isError) alert(text); return; }
    el.textContent = text;
    el.classList.toggle('error', !!isError);
    el.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { el.hidden = true; }, isError ? 6000 : 3000);
  }
  function showError(form, text) {
    const el = $('.form-error', form) || $('[role=alert]', form);
    if (el) { el.textContent = text; el.hidden = !text; } else if (text) toast(text, true);
  }

  // Times: the pages show and take Beijing time (UTC+8) whatever the
  // browser's zone.
  const pad = n => String(n).padStart(2, '0');
  function localInput(date) {
    const d = new Date(date.getTime() + 8 * 3600e3);
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  }
  const fromLocalInput = v => v ? new Date(v + ':00+08:00').toISOString() : null;

  function humanSize(n) {
    const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return (i ? n.toFixed(1) : n) + ' ' + u[i];
  }

  // ---- sign-in -------------------------------------------------------
  function initLogin() {
    const form = $('#login-form');
    if (!form) return;
    const change = $('#change-form');
    const next = form.dataset.next || '/recordings';
    let oldPassword = '';
    const totp = $('#totp-form');
    let needTOTP = false;
    const go = () => { if (needTOTP) askTOTP(); else location.assign(next); };
    // Administrators must enrol a second factor before anything else.
    async function askTOTP() {
      form.hidden = true; change.hidden = true; totp.hidden = false;
      try {
        const ans = await api('POST', '/api/v1/totp/setup');
        $('#totp-secret').textContent = ans.secret.replace(/(.{4})/g, '$1 ').trim();
        if (ans.qr) { $('#totp-qr').src = ans.qr; $('#totp-qr').hidden = false; }
        $('#totp-code').focus();
      } catch (e) {
        showError(totp, e.message);
      }
    }
    totp.addEventListener('submit', async ev => {
      ev.preventDefault();
      showError(totp, '');
      try {
        await api('POST', '/api/v1/totp/enable', { code: totp.code.value.trim() });
        needTOTP = false;
        go();
      } catch (e) {
        showError(totp, e.message);
      }
    });
    const askChange = () => { form.hidden = true; change.hidden = false; $('#new-password').focus(); };
    // Someone else reset this person's password or second factor since
    // they last signed in: tell them once, before anything else.
    const resetForm = $('#reset-form');
    let afterReset = go; // called with true once a notice was acknowledged
    async function tellResets(then) {
      let ans;
      try { ans = await api('GET', '/api/v1/reset-notice'); } catch (e) { then(false); return; }
      if (!ans.resets || !ans.resets.length) { then(false); return; }
      const list = $('#reset-list');
      list.textContent = '';
      ans.resets.forEach(r => { const p = document.createElement('p'); p.textContent = r.message; list.appendChild(p); });
      afterReset = then;
      form.hidden = true; change.hidden = true; resetForm.hidden = false;
      $('button[type=submit]', resetForm).focus();
    }
    resetForm.addEventListener('submit', async ev => {
      ev.preventDefault();
      showError(resetForm, '');
      try {
        await api('POST', '/api/v1/reset-notice/acknowledge');
        resetForm.hidden = true;
        afterReset(true);
      } catch (e) {
        showError(resetForm, e.message);
      }
    });

    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      showError(form, '');
      const body = { name: form.name.value.trim(), password: form.password.value };
      if (!$('#totp-field').hidden) body.totp = form.totp.value.trim();
      const btn = $('button[type=submit]', form);
      btn.disabled = true;
      try {
        const ans = await api('POST', '/api/v1/login', body);
        csrf = ans.csrf_token || '';
        sessionStorage.setItem('shilu.csrf', csrf);
        oldPassword = body.password;
        needTOTP = !!ans.totp_setup_required;
        tellResets(ans.password_change_required ? askChange : go);
      } catch (e) {
        if (e.details && e.details.totp_required) {
          $('#totp-field').hidden = false;
          $('#login-totp').focus();
          showError(form, $('#login-totp').value ? e.message : t('totp_needed'));
        } else {
          showError(form, e.status === 401 && /wrong name or password/.test(e.message) ? t('signin_failed') : e.message);
        }
      } finally {
        btn.disabled = false;
      }
    });

    // Sent here by a page while signed in with an initial or expired
    // password: change it, giving the current one again.
    // A reset not yet acknowledged (the tab was closed on the notice) is
    // told first here too.
    api('GET', '/api/v1/session').then(ans => {
      csrf = ans.csrf_token || csrf;
      needTOTP = !!ans.totp_setup_required;
      tellResets(told => {
        if (!ans.password_change_required) {
          if (needTOTP) askTOTP(); else if (told) go();
          return;
        }
        $('#old-password-field').hidden = false;
        askChange();
        $('#old-password').focus();
      });
    }, () => {});

    change.addEventListener('submit', async ev => {
      ev.preventDefault();
      showError(change, '');
      if (change.new.value !== change.new2.value) { showError(change, t('mismatch')); return; }
      try {
        const old = $('#old-password-field').hidden ? oldPassword : change.old.value;
        await api('POST', '/api/v1/password', { old_password: old, new_password: change.new.value });
        go();
      } catch (e) {
        showError(change, e.message);
      }
    });
  }

  async function logout() {
    try { await api('POST', '/api/v1/logout'); } catch (e) { /* the session may be gone already */ }
    sessionStorage.removeItem('shilu.csrf');
    location.assign('/logout');
  }

  // ---- access requests -----------------------------------------------
  function openRequest(ids) {
    const dlg = $('#request-dialog');
    if (!dlg) return;
    const form = $('#request-form');
    form.reset();
    showError(form, '');
    form.recordings.value = ids || '';
    const now = new Date();
    form.from.value = localInput(now);
    form.until.value = localInput(new Date(now.getTime() + 7 * 86400e3));
    dlg.showModal();
    (ids ? form.reason : form.recordings).focus();
  }

  function initRequestForm() {
    const form = $('#request-form');
    if (!form) return;
    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      showError(form, '');
      const ids = form.recordings.value.split(/[\s,，、]+/).filter(Boolean).map(Number);
      if (!ids.length || ids.some(n => !Number.isInteger(n) || n <= 0)) { showError(form, t('need_ids')); return; }
      const body = { recording_ids: ids, purpose: form.purpose.value, reason: form.reason.value.trim(), from: fromLocalInput(form.from.value), until: fromLocalInput(form.until.value), download: form.download.checked };
      try {
        await api('POST', '/api/v1/access-requests', body);
        $('#request-dialog').close();
        toast(t('request_sent'));
        setTimeout(() => location.assign('/requests'), 600);
      } catch (e) {
        showError(form, e.message);
      }
    });
  }

  function initSelection() {
    const btn = $('[data-action=request-selected]');
    if (!btn) return;
    const boxes = $$('input[name=rec]');
    const update = () => { btn.disabled = !boxes.some(b => b.checked); };
    boxes.forEach(b => b.addEventListener('change', update));
    const all = $('[data-action=check-all]');
    if (all) all.addEventListener('change', () => { boxes.forEach(b => { b.checked = all.checked; }); update(); });
    btn.addEventListener('click', () => openRequest(boxes.filter(b => b.checked).map(b => b.value).join(', ')));
  }

  // ---- uploads over tus (resumable) ------------------------------------
  const CHUNK = 8 << 20;
  const HASH_LIMIT = 256 << 20;
  const b64 = s => btoa(unescape(encodeURIComponent(s)));
  const sleep = ms => new Promise(r => setTimeout(r, ms));

  async function sha256Hex(file) {
    const buf = await file.arrayBuffer();
    const h = new Uint8Array(await crypto.subtle.digest('SHA-256', buf));
    return Array.from(h, x => x.toString(16).padStart(2, '0')).join('');
  }

  // tusFetch sends one tus request; X-CSRF-Token because the session
  // cookie authenticates it.
  async function tusFetch(method, url, headers, body) {
    const h = Object.assign({ 'Tus-Resumable': '1.0.0', 'X-CSRF-Token': await csrfToken() }, headers);
    return fetch(url, { method, headers: h, body, credentials: 'same-origin' });
  }

  async function tusError(r) {
    const data = await r.json().catch(() => null);
    if (data && data.error) return new APIError(r.status, data);
    const text = await r.text().catch(() => '');
    return new APIError(r.status, { error: { message: text || ('HTTP ' + r.status) } });
  }

  // isMedia guesses from the browser's type and the name's extension
  // whether a file is audio, video or a photo.
  const mediaExt = /\.(mp4|mov|m4v|avi|mkv|ts|mts|m2ts|3gp|wmv|flv|mpg|mpeg|wav|mp3|m4a|aac|amr|ogg|opus|flac|wma|jpg|jpeg|png|heic|heif|webp|bmp|tif|tiff|gif)$/i;
  const isMedia = f => /^(audio|video|image)\//.test(f.type) || mediaExt.test(f.name);

  async function upload(file, row) {
    const set = (state, cls) => { const s = $('.ui-state', row); s.textContent = t(state); s.className = 'ui-state tag tag-' + (cls || 'info'); };
    const detail = text => { $('.ui-detail', row).textContent = text; };
    const bar = $('.progress-bar', row), prog = $('.progress', row);
    const progress = (done) => { const p = file.size ? Math.floor(done * 100 / file.size) : 100; bar.style.width = p + '%'; prog.setAttribute('aria-valuenow', p); };
    let cancelled = false;
    const cancelBtn = document.createElement('button');
    cancelBtn.type = 'button'; cancelBtn.className = 'btn btn-small btn-text'; cancelBtn.textContent = t('cancel');
    $('.ui-actions', row).append(cancelBtn);

    const meta = ['filename ' + b64(file.name)];
    if (file.size <= HASH_LIMIT && window.crypto && crypto.subtle) {
      set('hashing');
      meta.push('sha256 ' + b64(await sha256Hex(file)));
    } else {
      detail(t('no_hash'));
    }
    set('uploading');
    let r = await tusFetch('POST', '/api/v1/uploads/', { 'Upload-Length': String(file.size), 'Upload-Metadata': meta.join(',') });
    if (r.status !== 201) throw await tusError(r);
    const url = new URL(r.headers.get('Location'), location.href).pathname;
    cancelBtn.addEventListener('click', async () => { cancelled = true; await tusFetch('DELETE', url).catch(() => {}); });

    let offset = 0, failures = 0, started = Date.now();
    while (true) {
      if (cancelled) { set('cancelled', 'muted'); return; }
      if (offset >= file.size && file.size > 0) break;
      let res;
      try {
        res = await tusFetch('PATCH', url, { 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream' }, file.slice(offset, offset + CHUNK));
      } catch (e) {
        res = null;
      }
      if (res && res.status === 204) {
        offset = Number(res.headers.get('Upload-Offset'));
        failures = 0;
        progress(offset);
        const rate = offset / Math.max(1, (Date.now() - started) / 1000);
        detail(`${humanSize(offset)} / ${humanSize(file.size)} · ${t('speed', humanSize(rate))}`);
        const id = res.headers.get('Shilu-Recording-Id');
        if (id) return finished(id);
        if (file.size === 0) break;
        continue;
      }
      if (res && res.status < 500 && res.status !== 423) {
        const err = await tusError(res);
        if (res.status === 409 && err.details && err.details.recording_id) return finished(err.details.recording_id, true);
        if (res.status !== 409) throw err; // 409 otherwise: the offset moved; ask HEAD
      }
      // Network failure, a conflict on the offset or a server hiccup: ask
      // the server where it stands (HEAD) and go on from there.
      if (++failures > 30) throw new Error(t('network'));
      set('retrying', 'warning');
      await sleep(Math.min(10000, 500 * failures));
      try {
        const h = await tusFetch('HEAD', url);
        if (h.ok) offset = Number(h.headers.get('Upload-Offset'));
      } catch (e) { /* still offline */ }
      set('uploading');
    }
    return finished(null);

    function finished(id, dup) {
      cancelBtn.remove();
      progress(file.size);
      row.classList.add('done');
      set(dup ? 'duplicate' : 'done', dup ? 'warning' : 'success');
      // Anything is archived as it came (the server never refuses odd
      // files), but a file that is no recording is worth a word.
      if (!isMedia(file)) detail(t('not_media_archived'));
      if (id) {
        const a = document.createElement('a');
        a.href = '/recordings/' + id; a.className = 'link'; a.textContent = t('view') + ' #' + id;
        $('.ui-actions', row).append(a);
      }
    }
  }

  function initUpload() {
    const input = $('#upload-file');
    if (!input) return;
    const list = $('#uploads'), tpl = $('#upload-row'), zone = $('#dropzone');
    const start = files => {
      // One file at a time keeps the disk and the network busy without
      // making every upload slow.
      let chain = Promise.resolve();
      for (const f of files) {
        const row = tpl.content.firstElementChild.cloneNode(true);
        $('.ui-name', row).textContent = f.name;
        $('.ui-size', row).textContent = humanSize(f.size);
        const s = $('.ui-state', row); s.textContent = t('waiting');
        list.prepend(row);
        chain = chain.then(() => upload(f, row).catch(e => {
          row.classList.add('failed');
          s.textContent = t('failed'); s.className = 'ui-state tag tag-danger';
          $('.ui-detail', row).textContent = e.message;
        }));
      }
    };
    input.addEventListener('change', () => { start(Array.from(input.files)); input.value = ''; });
    zone.addEventListener('dragover', e => { e.preventDefault(); zone.classList.add('over'); });
    zone.addEventListener('dragleave', () => zone.classList.remove('over'));
    zone.addEventListener('drop', e => { e.preventDefault(); zone.classList.remove('over'); start(Array.from(e.dataTransfer.files)); });
  }

  // ---- system administration (系统管理) ----------------------------------
  // showSecret shows a password or token once; closing the dialog reloads
  // the page so the table shows the change.
  function showSecret(title, intro, label, value) {
    $('#secret-title').textContent = title;
    $('#secret-intro').textContent = intro;
    $('#secret-label').textContent = label;
    $('#secret-value').textContent = value;
    $('#secret-dialog').showModal();
    $('#secret-done').focus();
  }
  const rowOf = el => el.closest('tr[data-id]');
  let editing = null; // the row of the user being edited

  function openUserEdit(row) {
    editing = row;
    const form = $('#user-edit-form');
    form.reset();
    showError(form, '');
    form.name.value = row.dataset.name;
    form.status.value = row.dataset.disabled;
    form.display_name.value = row.dataset.display || '';
    form.officer_no.value = row.dataset.officer || '';
    $('#eu-resets').hidden = !$('[data-action=user-reset-pw]', row);
    $('#user-edit-dialog').showModal();
    form.status.focus();
  }

  async function resetPassword(row) {
    const name = row.dataset.name;
    if (!confirm(t('confirm_reset_pw', name))) return;
    try {
      const ans = await api('PATCH', '/api/v1/users/' + row.dataset.id, { reset_password: true });
      const dlg = $('#user-edit-dialog');
      if (dlg.open) dlg.close();
      showSecret(t('pw_reset_title'), t('pw_reset_intro', name), t('initial_password'), ans.initial_password);
    } catch (e) {
      toast(e.message, true);
    }
  }

  async function resetTOTP(row) {
    if (!confirm(t('confirm_totp', row.dataset.name))) return;
    try {
      await api('PATCH', '/api/v1/users/' + row.dataset.id, { reset_totp: true });
      $('#user-edit-dialog').close();
      toast(t('totp_reset'));
      setTimeout(() => location.reload(), 800);
    } catch (e) {
      showError($('#user-edit-form'), e.message);
    }
  }

  async function stationToken(row) {
    try {
      const ans = await api('POST', `/api/v1/users/${row.dataset.id}/tokens`, { name: row.dataset.name });
      showSecret(t('token_title'), t('token_intro', row.dataset.name), t('token_label'), ans.token);
    } catch (e) {
      toast(e.message, true);
    }
  }

  function initAdmin() {
    const secret = $('#secret-dialog');
    if (secret) secret.addEventListener('close', () => { $('#secret-value').textContent = ''; location.reload(); });
    const newUser = $('#user-new');
    if (newUser) {
      const form = $('#user-form');
      newUser.addEventListener('click', () => {
        form.reset();
        showError(form, '');
        $('#user-dialog').showModal();
        form.name.focus();
      });
      form.addEventListener('submit', async ev => {
        ev.preventDefault();
        showError(form, '');
        const name = form.name.value.trim();
        if (!name) { showError(form, t('need_name')); return; }
        // No role and no department: the security administrator assigns
        // them (三员分立).
        const body = { name, station: form.kind.value === 'station',
          display_name: form.display_name.value.trim(), officer_no: form.officer_no.value.trim() };
        try {
          const ans = await api('POST', '/api/v1/users', body);
          $('#user-dialog').close();
          if (ans.initial_password) {
            showSecret(t('user_created'), t('created_intro', name), t('initial_password'), ans.initial_password);
          } else {
            toast(t('station_created'));
            setTimeout(() => location.reload(), 800);
          }
        } catch (e) {
          showError(form, e.message);
        }
      });
      const edit = $('#user-edit-form');
      edit.addEventListener('submit', async ev => {
        ev.preventDefault();
        showError(edit, '');
        const body = { disabled: edit.status.value === 'true',
          display_name: edit.display_name.value.trim(), officer_no: edit.officer_no.value.trim() };
        try {
          await api('PATCH', '/api/v1/users/' + editing.dataset.id, body);
          $('#user-edit-dialog').close();
          toast(t('saved'));
          setTimeout(() => location.reload(), 600);
        } catch (e) {
          showError(edit, e.message);
        }
      });
    }
    const dept = $('#dept-form');
    if (dept) {
      dept.addEventListener('submit', async ev => {
        ev.preventDefault();
        showError(dept, '');
        const name = dept.name.value.trim();
        if (!name) { showError(dept, t('need_name')); return; }
        try {
          if (dept.dataset.id) await api('PATCH', `/api/v1/departments/${dept.dataset.id}`, { name });
          else await api('POST', '/api/v1/departments', { name, parent_id: dept.parent.value ? Number(dept.parent.value) : null });
          $('#dept-dialog').close();
          toast(t(dept.dataset.id ? 'dept_renamed' : 'dept_created'));
          setTimeout(() => location.reload(), 600);
        } catch (e) {
          showError(dept, e.message);
        }
      });
    }
    const role = $('#role-form');
    if (role) {
      role.addEventListener('submit', async ev => {
        ev.preventDefault();
        showError(role, '');
        try {
          await api('PUT', `/api/v1/users/${editing.dataset.id}/role`,
            { role: role.role.value, department_id: role.dept.value ? Number(role.dept.value) : null });
          $('#role-dialog').close();
          toast(t('role_changed'));
          setTimeout(() => location.reload(), 600);
        } catch (e) {
          showError(role, e.message);
        }
      });
    }
  }

  function adminAction(el) {
    switch (el.dataset.action) {
      case 'user-edit': openUserEdit(rowOf(el)); return true;
      case 'user-reset-pw': resetPassword(rowOf(el) || editing); return true;
      case 'user-reset-totp': resetTOTP(editing); return true;
      case 'user-token': stationToken(rowOf(el)); return true;
      case 'close-secret': $('#secret-dialog').close(); return true;
      case 'dept-new': {
        const form = $('#dept-form');
        form.reset();
        showError(form, '');
        form.parent.value = el.dataset.parent || '';
        delete form.dataset.id;
        $('#nd-parent-field').hidden = false;
        $('#dept-dialog-title').textContent = $('#dept-dialog-title').dataset.new;
        $('#dept-dialog').showModal();
        form.name.focus();
        return true;
      }
      case 'dept-rename': {
        const form = $('#dept-form'), row = rowOf(el);
        form.reset();
        showError(form, '');
        form.dataset.id = row.dataset.id;
        form.name.value = row.dataset.name;
        $('#nd-parent-field').hidden = true;
        $('#dept-dialog-title').textContent = $('#dept-dialog-title').dataset.rename;
        $('#dept-dialog').showModal();
        form.name.select();
        return true;
      }
      case 'role-edit': {
        editing = rowOf(el);
        const form = $('#role-form');
        form.reset();
        showError(form, '');
        form.name.value = editing.dataset.name;
        // A station stays a station, and a person never becomes one
        // (app.Assign); an account awaiting its role starts with none.
        const station = editing.dataset.role === 'station';
        $$('option', form.role).forEach(o => { if (o.value) o.disabled = (o.value === 'station') !== station; });
        form.role.value = editing.dataset.role === 'none' ? '' : editing.dataset.role;
        form.dept.value = editing.dataset.dept;
        $('#role-dialog').showModal();
        form.role.focus();
        return true;
      }
    }
    return false;
  }

  // ---- wiring ------------------------------------------------------------
  document.addEventListener('click', ev => {
    const el = ev.target.closest('[data-action]');
    if (!el || adminAction(el)) return;
    switch (el.dataset.action) {
      case 'logout': logout(); break;
      case 'open-request': openRequest(el.dataset.recordings); break;
      case 'close-dialog': el.closest('dialog').close(); break;
      case 'copy': {
        const text = $('#' + el.dataset.copy).textContent.trim();
        navigator.clipboard.writeText(text).then(() => toast(t('copied')), () => toast(text));
        break;
      }
    }
  });

  // Page scripts (loaded after this one, see page.Scripts) share these.
  window.Shilu = Object.freeze({ $, $$, t, api, toast, APIError });

  document.addEventListener('DOMContentLoaded', () => {
    initLogin();
    initRequestForm();
    initSelection();
    initUpload();
    initAdmin();
    if ($('#logout-page')) sessionStorage.removeItem('shilu.csrf');
    const auto = $('[data-autoopen]');
    if (auto) openRequest(auto.dataset.recordings);
  });
})();
