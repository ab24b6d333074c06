// Small enhancements on top of htmx; every feature works without this file.
(function () {
  "use strict";

  // "Leave a Comment" jumps to the form; also put focus in its first field.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-focus-target]");
    if (!link) return;
    var field = document.getElementById(link.getAttribute("data-focus-target"));
    if (field) {
      event.preventDefault();
      field.scrollIntoView({ block: "center" });
      field.focus();
      history.replaceState(null, "", link.hash);
    }
  });

  // A reply form opened inline closes with Cancel or Escape, and focus goes back to the
  // Reply link that opened it. (Without this file Cancel is a link back to the comment.)
  function closeReply(parentId) {
    var slot = document.getElementById("reply-slot-" + parentId);
    if (slot) slot.innerHTML = "";
    var link = document.getElementById("reply-link-" + parentId);
    if (link) {
      link.setAttribute("aria-expanded", "false");
      link.focus();
    }
  }

  // Reply opens the form under the comment, in a slot made for it, with htmx.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.comment-reply[data-reply-to]");
    if (!link || !window.htmx || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    var id = link.getAttribute("data-reply-to");
    var slot = document.getElementById("reply-slot-" + id);
    if (!slot) {
      slot = document.createElement("div");
      slot.id = "reply-slot-" + id;
      slot.className = "reply-slot";
      link.closest(".comment-actions").after(slot);
    }
    htmx.ajax("GET", link.href, { source: link, target: slot, swap: "innerHTML" });
  });

  document.addEventListener("click", function (event) {
    var cancel = event.target.closest && event.target.closest("a[data-cancel-reply]");
    if (!cancel || !cancel.closest(".reply-slot")) return;
    event.preventDefault();
    closeReply(cancel.getAttribute("data-cancel-reply"));
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var form = event.target.closest && event.target.closest(".reply-slot form[data-reply-to]");
    if (form) closeReply(form.getAttribute("data-reply-to"));
  });

  // A comment posted here and then loaded again (earlier comments, new ones) would
  // appear twice; keep one.
  function removeDuplicateComments() {
    var list = document.getElementById("comment-list");
    if (!list) return;
    var seen = {};
    var items = list.querySelectorAll("li[id^='comment-']");
    for (var i = items.length - 1; i >= 0; i--) {
      if (seen[items[i].id]) items[i].remove();
      else seen[items[i].id] = true;
    }
  }

  // Where focus goes when a swap took away the element that had it: a field marked
  // autofocus (a form with errors, an edit form), a preview, the Reply link a posted
  // reply answered, or the first of the comments just shown.
  var before = null;
  document.addEventListener("htmx:before:swap", function (event) {
    var list = document.getElementById("comment-list");
    var source = event.target;
    var replyForm = source && source.closest && source.closest("form[data-reply-to]");
    var content = source && source.closest && source.closest("[id$='-content']");
    before = {
      contentId: content ? content.id : null,
      count: list ? list.querySelectorAll("li[id^='comment-']").length : 0,
      firstTop: list && list.firstElementChild,
      replyTo: replyForm ? replyForm.getAttribute("data-reply-to") : null,
      fromPoll: Boolean(source && source.closest && source.closest("#comments-poll")),
    };
  });

  function lostFocus() {
    var active = document.activeElement;
    return !active || active === document.body || !document.contains(active);
  }

  function focusOn(element) {
    if (!element) return false;
    if (!element.matches("a, button, input, textarea, select, [tabindex]")) {
      element.setAttribute("tabindex", "-1");
    }
    element.focus();
    return true;
  }

  document.addEventListener("htmx:after:swap", function () {
    removeDuplicateComments();
    var state = before || {};
    before = null;
    document.querySelectorAll(".reply-slot").forEach(function (slot) {
      var link = document.getElementById("reply-link-" + slot.id.replace("reply-slot-", ""));
      if (link) link.setAttribute("aria-expanded", slot.children.length ? "true" : "false");
    });
    // New comments, announced or shown, never take the reader's focus anywhere.
    if (state.fromPoll) return;
    // A preview just shown gets focus (htmx would leave it on the Preview button).
    var preview = document.querySelector(".comment-preview:not([data-focused])");
    if (preview) {
      preview.setAttribute("data-focused", "");
      focusOn(preview);
      return;
    }
    if (!lostFocus()) {
      var opened = document.querySelector(".reply-slot form:not([data-focused])");
      if (opened) {
        opened.setAttribute("data-focused", "");
        focusOn(opened.querySelector("input:not([type=hidden]):not([tabindex='-1']), textarea"));
      }
      return;
    }
    var autofocus = document.querySelector("main [autofocus]:not([data-focused])");
    if (autofocus) {
      autofocus.setAttribute("data-focused", "");
      focusOn(autofocus);
      return;
    }
    if (state.replyTo && focusOn(document.getElementById("reply-link-" + state.replyTo))) return;
    if (state.contentId) {
      // an edit saved or cancelled, a delete done: back to the comment, else the heading
      var content = document.getElementById(state.contentId);
      var target = content && (content.querySelector(".comment-action") || content);
      if (focusOn(target || document.getElementById("comments-heading"))) return;
    }
    var list = document.getElementById("comment-list");
    if (list && state.firstTop && list.firstElementChild !== state.firstTop) {
      focusOn(list.firstElementChild); // earlier comments, inserted above
      return;
    }
    var slot = document.querySelector(".reply-slot form");
    if (slot) focusOn(slot.querySelector("input:not([type=hidden]):not([tabindex='-1'])"));
  });

  // Polling for new comments (hx-trigger="every Ns" on #comments-poll) skips its turn
  // while the tab is hidden, and after a failed poll waits twice as long each time, up
  // to an hour.
  var pollFailures = 0;
  var pollPausedUntil = 0;
  function isPoll(event) {
    var source = event.target;
    return source && source.id === "comments-poll";
  }
  document.addEventListener("htmx:config:request", function (event) {
    if (!isPoll(event)) return;
    if (document.hidden || Date.now() < pollPausedUntil) event.preventDefault();
  });
  function pollFailed(event) {
    if (!isPoll(event)) return;
    pollFailures += 1;
    var every = Number(event.target.getAttribute("data-poll-seconds")) || 30;
    pollPausedUntil = Date.now() + Math.min(every * 1000 * Math.pow(2, pollFailures), 3600000);
  }
  document.addEventListener("htmx:error", pollFailed);
  document.addEventListener("htmx:response:error", pollFailed);
  document.addEventListener("htmx:after:request", function (event) {
    var status = event.detail && event.detail.ctx && event.detail.ctx.response
      ? event.detail.ctx.response.status : 0;
    if (isPoll(event) && status > 0 && status < 400) {
      pollFailures = 0;
      pollPausedUntil = 0;
    }
  });
})();
