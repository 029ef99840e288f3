// The staff files page: uploads the chosen file as the raw request body (the server streams it
// to disk), with the CSRF token in a header, then reloads the list.
(function () {
  'use strict';
  var form = document.getElementById('file-upload');
  if (!form) return;
  var status = document.getElementById('file-upload-status');
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var input = form.querySelector('input[type=file]');
    var file = input.files && input.files[0];
    if (!file) return;
    var button = form.querySelector('button');
    button.disabled = true;
    status.textContent = status.dataset.uploading;
    var url = '/api/v1/communities/' + encodeURIComponent(form.dataset.slug) + '/files?name=' +
      encodeURIComponent(file.name);
    fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': file.type || 'application/octet-stream', 'X-CSRF-Token': form.dataset.csrf },
      body: file,
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.status === 201) {
          window.location.reload();
          return;
        }
        var message = data && data.error && data.error.message;
        status.textContent = status.dataset.failed + (message ? ' ' + message : ' (' + response.status + ')');
        button.disabled = false;
      });
    }).catch(function () {
      status.textContent = status.dataset.failed;
      button.disabled = false;
    });
  });
})();
