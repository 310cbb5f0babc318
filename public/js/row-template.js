// Fills a server-rendered <template> (a partial rendered with tpl: true) with one row's view
// model, the same object the server renders that partial with. The markup therefore exists
// once, in the partial; this file only knows the few directives the partials use:
//   data-field="x-y"          names a cell in rendered and filled rows alike (tests and scripts
//                             find cells by it); when empty in the template it gets the text xY
//   data-bind="attr:x ..."    attribute attr is x (true: present and empty; null/false: absent)
//   <template data-text="x">  replaced by the text x
//   <template data-if="x !y"> replaced by its filled content when x is there and y is not
//   <template data-each="x">  replaced by its content filled once per item of the list x
//   <template data-with="x">  replaced by its content filled with the object x as the scope
// Data only ever goes in through textContent and setAttribute, never as HTML, and everything but
// data-field is removed, so a filled row is the same HTML as a server-rendered one.
(function () {
  'use strict';

  function get(scope, name) {
    return scope !== null && typeof scope === 'object' && Object.prototype.hasOwnProperty.call(scope, name) ? scope[name] : undefined;
  }

  // An empty list counts as absent, so "no headers" reads the same as "no key".
  function present(v) {
    return v !== null && v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0);
  }

  // Cell names are kebab-case like other attributes, view-model fields camelCase, as in dataset.
  function camel(name) {
    return name.replace(/-([a-z])/g, function (whole, c) {
      return c.toUpperCase();
    });
  }

  function text(v) {
    return present(v) ? String(v) : '';
  }

  function holds(conditions, scope) {
    return conditions.split(/\s+/).filter(Boolean).every(function (c) {
      return c.charAt(0) === '!' ? !present(get(scope, c.slice(1))) : present(get(scope, c));
    });
  }

  function directive(node, scope) {
    var parent = node.parentNode;
    var out;
    if (node.hasAttribute('data-text')) {
      out = document.createTextNode(text(get(scope, node.getAttribute('data-text'))));
    } else if (node.hasAttribute('data-if')) {
      out = document.createDocumentFragment();
      if (holds(node.getAttribute('data-if'), scope)) {
        out.appendChild(node.content.cloneNode(true));
        fillChildren(out, scope);
      }
    } else if (node.hasAttribute('data-with')) {
      out = node.content.cloneNode(true);
      fillChildren(out, get(scope, node.getAttribute('data-with')) || {});
    } else if (node.hasAttribute('data-each')) {
      out = document.createDocumentFragment();
      var items = get(scope, node.getAttribute('data-each'));
      (Array.isArray(items) ? items : []).forEach(function (item) {
        var part = node.content.cloneNode(true);
        fillChildren(part, item);
        out.appendChild(part);
      });
    } else return;
    parent.replaceChild(out, node);
  }

  function element(node, scope) {
    var binds = node.getAttribute('data-bind');
    if (binds !== null) {
      node.removeAttribute('data-bind');
      binds.split(/\s+/).filter(Boolean).forEach(function (pair) {
        var at = pair.indexOf(':');
        var v = get(scope, pair.slice(at + 1));
        var attr = pair.slice(0, at);
        if (!present(v)) node.removeAttribute(attr);
        else node.setAttribute(attr, v === true ? '' : String(v));
      });
    }
    if (node.hasAttribute('data-field') && !node.firstChild) {
      node.textContent = text(get(scope, camel(node.getAttribute('data-field'))));
      return;
    }
    fillChildren(node, scope);
  }

  function fillChildren(root, scope) {
    var node = root.firstChild;
    while (node) {
      // Taken first: a directive replaces the node it sits on.
      var next = node.nextSibling;
      if (node.nodeType === 1) {
        if (node.localName === 'template') directive(node, scope);
        else element(node, scope);
      }
      node = next;
    }
  }

  /** A filled copy of the template's first element (a <tr>, a <section>). */
  function fill(template, scope) {
    var row = template.content.firstElementChild.cloneNode(true);
    element(row, scope);
    return row;
  }

  window.rowTemplate = { fill: fill };
})();
