// Keeps what is typed into a form of the register in this browser tab
// (sessionStorage: never sent anywhere, gone when the tab closes), so that
// a session that expires or a refused cross-origin check does not lose it:
// when the form is opened again, after signing in, it comes back filled.
// A page showing that the form was saved forgets every draft.
(function () {
  "use strict";
  var prefix = "habeas-draft:";
  var store;
  try { store = window.sessionStorage; } catch (e) { return; }
  if (!store) { return; }
  // Drafts are kept per user: on a shared office computer, whoever signs
  // in next in this tab never sees them; they are forgotten as soon as a
  // page of another user loads, and when the user signs out here.
  var user = document.body.getAttribute("data-user") || "";
  var forget = function (all) {
    for (var i = store.length - 1; i >= 0; i--) {
      var k = store.key(i);
      if (k && k.indexOf(prefix) === 0 && (all || k.indexOf(prefix + user + "\n") !== 0)) { store.removeItem(k); }
    }
  };
  forget(!user || !!document.querySelector("[data-saved]"));
  Array.prototype.forEach.call(document.querySelectorAll('form[action="/logout"]'), function (f) {
    f.addEventListener("submit", function () { forget(true); });
  });
  var forms = user ? document.querySelectorAll("form[data-draft]") : [];
  Array.prototype.forEach.call(forms, function (form) {
    var key = prefix + user + "\n" + form.getAttribute("action");
    var save = function () {
      var values = [];
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.type === "password" || el.type === "submit") { return; }
        if ((el.type === "checkbox" || el.type === "radio") && !el.checked) { return; }
        if (el.tagName === "SELECT" && el.multiple) {
          Array.prototype.forEach.call(el.selectedOptions, function (o) { values.push([el.name, o.value]); });
          return;
        }
        values.push([el.name, el.value]);
      });
      store.setItem(key, JSON.stringify(values));
    };
    var restore = function (values) {
      var seen = {};
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.type === "password" || el.type === "submit") { return; }
        var mine = values.filter(function (v) { return v[0] === el.name; }).map(function (v) { return v[1]; });
        if (el.type === "checkbox" || el.type === "radio") {
          el.checked = mine.indexOf(el.value) >= 0;
        } else if (el.tagName === "SELECT" && el.multiple) {
          Array.prototype.forEach.call(el.options, function (o) { o.selected = mine.indexOf(o.value) >= 0; });
        } else {
          var n = seen[el.name] || 0;
          if (n < mine.length) { el.value = mine[n]; }
          seen[el.name] = n + 1;
        }
      });
    };
    var saved = store.getItem(key);
    // A form the server sent back with messages shows what was sent: the
    // draft is the same, and is not put over it.
    if (saved && !document.querySelector(".flash.error")) {
      try { restore(JSON.parse(saved)); } catch (e) { store.removeItem(key); }
      var note = document.getElementById("draft-restored");
      if (note) {
        note.hidden = false;
        var discard = note.querySelector("button");
        if (discard) {
          discard.addEventListener("click", function () { store.removeItem(key); window.location.reload(); });
        }
      }
    }
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    form.addEventListener("submit", save);
  });
})();
