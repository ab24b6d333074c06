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

  // A comment posted here and then loaded again by "Show more comments" would appear
  // twice; keep the copy that sits in its place in time (the later one in the list).
  function removeDuplicateComments() {
    var list = document.getElementById("comment-list");
    if (!list) return;
    var seen = {};
    var items = list.querySelectorAll(":scope > li[id]");
    for (var i = items.length - 1; i >= 0; i--) {
      if (seen[items[i].id]) items[i].remove();
      else seen[items[i].id] = true;
    }
  }

  // When "Show more comments" is gone, focus would be lost: move it to the new comments.
  var firstNewComment = null;
  document.addEventListener("htmx:before:swap", function (event) {
    var list = document.getElementById("comment-list");
    firstNewComment = list ? list.children.length : null;
  });
  document.addEventListener("htmx:after:swap", function () {
    removeDuplicateComments();
    var list = document.getElementById("comment-list");
    var more = document.getElementById("comments-more-link");
    if (list && !more && document.activeElement === document.body && firstNewComment !== null) {
      var target = list.children[firstNewComment];
      if (target) {
        target.setAttribute("tabindex", "-1");
        target.focus();
      }
    }
  });
})();
