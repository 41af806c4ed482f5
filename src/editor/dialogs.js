// Editor code the dialogs share, served to the browser as window.DahuaDialogs
// (resources/@redcam/node-red-dahua/dialogs.js, copied there by scripts/browser-scripts.mjs): a device's channels
// by name to pick from, and a channel's picture. Both ask a deployed camera node's admin endpoints. The camera
// field changes more than once while a dialog opens, so only the latest question's answer is shown.
;(function (exports) {
  /** After "busy", a picture is asked for again once the device's second for the editor is over (PREVIEW_EVERY_MS). */
  var RETRY_MS = 1100
  /** How often: then the dialog says the device is busy. */
  var RETRIES = 3

  /** The camera node chosen in the field `selector`, or undefined while none is chosen. */
  function chosen(selector) {
    var id = $(selector).val()
    return id && id !== '_ADD_' ? String(id) : undefined
  }

  /**
   * Fills the select `options.pick` with the channels of camera node `options.camera()` (GET .../channels): when the
   * dialog opens (unless `options.askNow` is false), when the field `options.watch` changes, and with `?refresh=1`
   * when `options.refresh` is clicked. A pick calls `options.onPick(channel)`. `options.text(key)` gives the
   * dialog's words for `asking`, `pick`, `none`, `deploy`, `failed`, `empty` (a recorder's channel with no camera)
   * and, without askNow, `ask`.
   */
  exports.channelList = function (options) {
    var pick = $(options.pick)
    var asked = 0
    function say(key) {
      pick.empty().append($('<option>').val('').text(options.text(key)))
    }
    function list(refresh) {
      var camera = options.camera()
      var question = ++asked
      if (!camera) {
        say('deploy')
        return
      }
      say('asking')
      $.getJSON('dahua-camera/' + encodeURIComponent(camera) + '/channels' + (refresh ? '?refresh=1' : ''))
        .done(function (channels) {
          if (question !== asked) {
            return
          }
          say(channels.length > 0 ? 'pick' : 'none')
          $.each(channels, function (_i, c) {
            var text = c.channel + (c.name ? ': ' + c.name : '') + (c.model ? ' (' + c.model + ')' : '')
            if (c.connected !== undefined) {
              text = (c.connected ? '● ' : '○ ') + text + (c.connected ? '' : ' ' + options.text('empty'))
            }
            pick.append($('<option>').val(c.channel).text(text))
          })
        })
        .fail(function (xhr) {
          if (question !== asked) {
            return
          }
          say(xhr.status === 404 ? 'deploy' : 'failed')
          // The endpoint's account of it (in English, as the log's): refused, paused, no answer…
          var detail = xhr.responseJSON && xhr.responseJSON.detail
          if (xhr.status !== 404 && detail) {
            pick
              .find('option')
              .first()
              .text(options.text('failed') + ': ' + detail)
          }
        })
    }
    pick.on('change', function () {
      if (pick.val()) {
        options.onPick(String(pick.val()))
      }
    })
    $(options.refresh).on('click', function () {
      list(true)
    })
    if (options.watch) {
      $(options.watch).on('change', function () {
        list(false)
      })
    }
    if (options.askNow === false) {
      say('ask')
    } else {
      list(false)
    }
  }

  /**
   * Returns a function that shows a picture of channel `options.channel()` of camera node `options.camera()` in
   * the <img> `options.image` (GET .../snapshot, with the editor's own header, which $.ajax sends), or why there
   * is none in `options.said`: `options.text(key, { detail })` words `asking` and the endpoint's reasons. The
   * device gives the editor one picture a second: a question it answers "busy" is asked again after that second,
   * RETRIES times at most, and not once the dialog is closed or a newer question was asked.
   */
  exports.preview = function (options) {
    var image = $(options.image)
    var said = $(options.said)
    var asked = 0
    function say(key, detail) {
      image.hide()
      said.text(options.text(key, { detail: detail || '' })).show()
    }
    function open() {
      return $.contains(document, image[0])
    }
    function ask(retries) {
      var camera = options.camera()
      var question = ++asked
      if (!camera) {
        say('not-deployed')
        return
      }
      // What was shown is another channel's, or an older picture: not shown beside the new question.
      say('asking')
      var raw = new XMLHttpRequest()
      $.ajax({
        url:
          'dahua-camera/' +
          encodeURIComponent(camera) +
          '/snapshot?channel=' +
          (Number(options.channel()) || 1),
        xhrFields: { responseType: 'blob' },
        // jQuery keeps no binary body on its own object: the request's own, to read the reason from.
        xhr: function () {
          return raw
        },
      })
        .done(function (blob) {
          if (question !== asked) {
            return
          }
          // Once shown, the picture no longer needs its object URL.
          var url = URL.createObjectURL(blob)
          image.one('load error', function () {
            URL.revokeObjectURL(url)
          })
          image.attr('src', url).show()
          said.hide()
        })
        .fail(function (xhr) {
          function reason(body) {
            if (question !== asked) {
              return
            }
            var why = (body && body.reason) || (xhr.status === 404 ? 'not-deployed' : 'failed')
            if (why === 'busy' && retries > 0) {
              setTimeout(function () {
                if (question === asked && open()) {
                  ask(retries - 1)
                }
              }, RETRY_MS)
              return
            }
            say(why, body && body.detail)
          }
          if (!raw.response || !raw.response.text) {
            reason()
            return
          }
          raw.response.text().then(function (text) {
            try {
              reason(JSON.parse(text))
            } catch (e) {
              reason()
            }
          }, reason)
        })
    }
    return function () {
      ask(RETRIES)
    }
  }

  exports.chosen = chosen
})((window.DahuaDialogs = window.DahuaDialogs || {}))
