// Editor code the dialogs share, served to the browser as window.DahuaDialogs
// (resources/@redcam/node-red-dahua/dialogs.js, copied there by scripts/browser-scripts.mjs): a device's channels
// by name to pick from, and a channel's picture. Both ask a deployed camera node's admin endpoints; the camera field
// changes more than once while a dialog opens, so only the latest question's answer is shown.
;(function (exports) {
  /** The camera node chosen in `field` (a selector), or undefined while none is chosen. */
  function chosen(field) {
    var id = $(field).val()
    return id && id !== '_ADD_' ? String(id) : undefined
  }

  /**
   * Fills the select `options.pick` with the channels of the camera chosen in the field `options.camera`, or of
   * the camera node `options.id` (GET .../channels). Asks again when that field changes and, with `?refresh=1`,
   * when `options.refresh` is clicked. A pick calls `options.onPick(channel)`. `options.text(key)` gives the
   * dialog's own words for `asking`, `pick`, `none`, `deploy`, `failed` and `empty` (a recorder's channel with no
   * camera).
   */
  exports.channelList = function (options) {
    var pick = $(options.pick)
    var asked = 0
    function say(key) {
      pick.empty().append($('<option>').val('').text(options.text(key)))
    }
    function list(refresh) {
      var camera = options.id || chosen(options.camera)
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
          // The device's own words, as the endpoint gives them (refused, paused, a timeout…): what to do next.
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
    if (options.camera) {
      $(options.camera).on('change', function () {
        list(false)
      })
    }
    list(false)
  }

  /**
   * Returns a function that shows a picture of channel `options.channel()` of camera `options.camera()` in the
   * <img> `options.image` (GET .../snapshot, with the editor's own header, which $.ajax sends), or why there is
   * none in `options.said`: `options.text(reason, { detail })` words the endpoint's reason. Asked within the
   * device's second for the editor (another channel's picture), it asks once more after it.
   */
  exports.preview = function (options) {
    var image = $(options.image)
    var said = $(options.said)
    var asked = 0
    function show(reason, detail) {
      image.hide()
      said.text(options.text(reason, { detail: detail || '' })).show()
    }
    function ask() {
      var camera = options.camera()
      var question = ++asked
      if (!camera) {
        show('not-deployed')
        return
      }
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
            // The device gives the editor one picture a second: the one just asked for comes a moment later.
            if (body && body.reason === 'busy') {
              setTimeout(function () {
                if (question === asked) {
                  ask()
                }
              }, 1100)
              return
            }
            show(
              (body && body.reason) || (xhr.status === 404 ? 'not-deployed' : 'failed'),
              body && body.detail,
            )
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
    return ask
  }

  exports.chosen = chosen
})((window.DahuaDialogs = window.DahuaDialogs || {}))
