/*
 * Checks a proof bundle (c2sp.org/tlog-proof) in the browser, with WebCrypto only: the log's
 * signature on the checkpoint, the witnesses' cosignatures against the published policy
 * (c2sp.org/tlog-policy, from keys.json), the inclusion of the event (RFC 9162), and that the
 * event's content hash is the entry shown on the page. The same checks as
 * `registry verify-proof`; nothing is asked of the registry beyond the files themselves.
 *
 * Each event of the entry page's history has a "Check proof" button; the outcome is written
 * next to it with the messages the server has already translated.
 */
(function () {
  "use strict";

  var HEADER = "c2sp.org/tlog-proof@v1";
  var COSIGNATURE_HEADER = "cosignature/v1\n";

  function bytes(text) {
    return new TextEncoder().encode(text);
  }

  function fromBase64(text) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
      throw new Error("not base64");
    }
    var raw = atob(text);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) {
      out[i] = raw.charCodeAt(i);
    }
    return out;
  }

  function concat(parts) {
    var length = parts.reduce(function (sum, part) { return sum + part.length; }, 0);
    var out = new Uint8Array(length);
    var offset = 0;
    parts.forEach(function (part) { out.set(part, offset); offset += part.length; });
    return out;
  }

  function equal(a, b) {
    if (a.length !== b.length) {
      return false;
    }
    for (var i = 0; i < a.length; i++) {
      if (a[i] !== b[i]) {
        return false;
      }
    }
    return true;
  }

  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
      return b.toString(16).padStart(2, "0");
    }).join("");
  }

  async function sha256(subtle, data) {
    return new Uint8Array(await subtle.digest("SHA-256", data));
  }

  function parseBundle(text) {
    var split = text.indexOf("\n\n");
    if (split < 0) {
      throw new Error("truncated bundle");
    }
    var lines = text.slice(0, split).split("\n");
    if (lines[0] !== HEADER) {
      throw new Error("not a tlog-proof bundle");
    }
    var at = 1;
    var extra = null;
    if (lines[at] && lines[at].indexOf("extra ") === 0) {
      extra = fromBase64(lines[at].slice(6));
      at += 1;
    }
    var index = /^index (0|[1-9][0-9]*)$/.exec(lines[at] || "");
    if (!index) {
      throw new Error("no index line");
    }
    var proof = lines.slice(at + 1).map(fromBase64);
    return { extra: extra, index: Number(index[1]), proof: proof, note: text.slice(split + 2) };
  }

  // "<name>+<hex key id>+<base64(type || public key)>"
  function parseVkey(vkey) {
    var parts = vkey.split("+");  // the base64 key may itself hold "+"
    var raw = fromBase64(parts.slice(2).join("+"));
    if (parts.length < 3 || !/^[0-9a-f]{8}$/.test(parts[1]) || raw.length !== 33) {
      throw new Error("malformed verifier key");
    }
    return { name: parts[0], id: parts[1], type: raw[0], key: raw.slice(1) };
  }

  function parseNote(note) {
    var split = note.indexOf("\n\n");
    if (split < 0) {
      throw new Error("checkpoint without signatures");
    }
    var body = note.slice(0, split + 1);
    var signatures = note.slice(split + 2).split("\n").filter(Boolean).map(function (line) {
      var match = /^\u2014 (\S+) (\S+)$/.exec(line);
      if (!match) {
        throw new Error("malformed signature line");
      }
      return { name: match[1], raw: fromBase64(match[2]) };
    });
    var lines = body.split("\n");
    return {
      body: body,
      signatures: signatures,
      origin: lines[0],
      size: Number(lines[1]),
      root: fromBase64(lines[2] || ""),
    };
  }

  async function ed25519(subtle, publicKey, signature, message) {
    var key = await subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
    return subtle.verify({ name: "Ed25519" }, key, signature, message);
  }

  async function signedBy(subtle, note, verifier) {
    for (var i = 0; i < note.signatures.length; i++) {
      var signature = note.signatures[i];
      if (signature.name === verifier.name && hex(signature.raw.slice(0, 4)) === verifier.id) {
        if (verifier.type === 0x01 && signature.raw.length === 68) {
          return ed25519(subtle, verifier.key, signature.raw.slice(4), bytes(note.body));
        }
        if (verifier.type === 0x04 && signature.raw.length === 76) {
          var view = new DataView(signature.raw.buffer, signature.raw.byteOffset + 4, 8);
          var time = view.getBigUint64(0).toString();
          var message = COSIGNATURE_HEADER + "time " + time + "\n" + note.body;
          return ed25519(subtle, verifier.key, signature.raw.slice(12), bytes(message));
        }
      }
    }
    return false;
  }

  function parsePolicy(text) {
    var policy = { witnesses: {}, groups: {}, quorum: "none" };
    text.split("\n").forEach(function (line) {
      var words = line.trim().split(/[ \t]+/);
      if (words[0] === "witness" && words.length >= 3) {
        policy.witnesses[words[1]] = parseVkey(words[2]);
      } else if (words[0] === "group" && words.length >= 4) {
        policy.groups[words[1]] = { threshold: words[2], members: words.slice(3) };
      } else if (words[0] === "quorum" && words.length === 2) {
        policy.quorum = words[1];
      }
    });
    return policy;
  }

  function satisfied(policy, name, cosigned) {
    if (name === "none") {
      return true;
    }
    var group = policy.groups[name];
    if (!group) {
      return cosigned.indexOf(name) >= 0;
    }
    var met = group.members.filter(function (member) {
      return satisfied(policy, member, cosigned);
    }).length;
    var needed = group.threshold === "all" ? group.members.length
      : group.threshold === "any" ? 1 : Number(group.threshold);
    return met >= needed;
  }

  // RFC 9162 section 2.1.3.2.
  async function includes(subtle, index, size, leaf, proof, root) {
    if (index >= size) {
      return false;
    }
    var fn = index;
    var sn = size - 1;
    var r = await sha256(subtle, concat([new Uint8Array([0]), leaf]));
    for (var i = 0; i < proof.length; i++) {
      if (sn === 0) {
        return false;
      }
      if (fn % 2 === 1 || fn === sn) {
        r = await sha256(subtle, concat([new Uint8Array([1]), proof[i], r]));
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      } else {
        r = await sha256(subtle, concat([new Uint8Array([1]), r, proof[i]]));
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    return sn === 0 && equal(r, root);
  }

  /*
   * Verify `bundleText` for `entry` (the entry object shown on the page). `logVkeys` are the
   * log's checkpoint verifier keys (keys.json `note_vkey`), `policyText` the published witness
   * policy or null. Resolves to {ok: true, index, size, witnesses} or {ok: false, reason}.
   */
  async function verifyProof(bundleText, entry, logVkeys, policyText, subtle, canonicalJson) {
    try {
      var bundle = parseBundle(bundleText);
      var note = parseNote(bundle.note);
      var logKey = logVkeys.map(parseVkey).find(function (vkey) {
        return vkey.name === note.origin;
      });
      if (!logKey || !(await signedBy(subtle, note, logKey))) {
        return { ok: false, reason: "log-signature" };
      }
      var cosigned = [];
      var policy = parsePolicy(policyText || "");
      var names = Object.keys(policy.witnesses);
      for (var i = 0; i < names.length; i++) {
        if (await signedBy(subtle, note, policy.witnesses[names[i]])) {
          cosigned.push(names[i]);
        }
      }
      if (!satisfied(policy, policy.quorum, cosigned)) {
        return { ok: false, reason: "quorum" };
      }
      if (!bundle.extra || !(await includes(
        subtle, bundle.index, note.size, bundle.extra, bundle.proof, note.root
      ))) {
        return { ok: false, reason: "inclusion" };
      }
      var event = JSON.parse(new TextDecoder().decode(bundle.extra));
      var content = hex(await sha256(subtle, bytes(canonicalJson(entry))));
      if (event.seq !== bundle.index || event.entry_id !== entry.entry_id
          || event.content_sha256 !== content) {
        return { ok: false, reason: "content" };
      }
      return { ok: true, index: bundle.index, size: note.size, witnesses: cosigned };
    } catch (error) {
      return { ok: false, reason: "malformed" };
    }
  }

  function message(messages, outcome) {
    if (!outcome.ok) {
      var key = "msg" + outcome.reason.replace(/(^|-)([a-z])/g, function (_m, _d, c) {
        return c.toUpperCase();
      });
      return messages.dataset[key] || messages.dataset.msgMalformed;
    }
    return messages.dataset.msgOk
      .replace("{index}", String(outcome.index))
      .replace("{size}", String(outcome.size))
      .replace("{witnesses}", outcome.witnesses.join(", ") || messages.dataset.msgNoWitness);
  }

  async function check(button, messages, subtle, canonicalJson) {
    var status = button.nextElementSibling;
    status.textContent = messages.dataset.msgChecking;
    var outcome;
    try {
      var answers = await Promise.all([
        fetch(button.dataset.bundleUrl), fetch(messages.dataset.keysUrl),
      ]);
      if (!answers[0].ok || !answers[1].ok) {
        throw new Error("not loaded");
      }
      var text = await answers[0].text();
      var keys = await answers[1].json();
      var entry = JSON.parse(document.getElementById("entry-bundle").textContent).entry;
      var logVkeys = (keys.keys || []).map(function (key) { return key.note_vkey; })
        .filter(Boolean);
      outcome = await verifyProof(text, entry, logVkeys, keys.witness_policy, subtle, canonicalJson);
      status.textContent = message(messages, outcome);
    } catch (error) {
      outcome = { ok: false, reason: "error" };
      status.textContent = messages.dataset.msgError;
    }
    status.classList.toggle("verified", outcome.ok);
    status.classList.toggle("failed", !outcome.ok);
  }

  function run() {
    var messages = document.getElementById("proof-messages");
    var subtle = window.crypto && window.crypto.subtle;
    if (!messages || !subtle || !window.registryVerify) {
      return;  // no WebCrypto (plain HTTP): the bundles stay downloadable for the CLI check
    }
    Array.prototype.forEach.call(document.querySelectorAll("button.check-proof"), function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        check(button, messages, subtle, window.registryVerify.canonicalJson);
      });
    });
  }

  if (typeof module === "object" && module.exports) {
    module.exports = { verifyProof: verifyProof, parseBundle: parseBundle };
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", run);
  } else {
    run();
  }
}());
