/*
 * Checks the signature of the entry on this page, in the browser, with WebCrypto Ed25519.
 *
 * The signed bytes are entry.type || 0x00 || JCS(entry) (RFC 8785), the type being
 * "ipl.entry/v2" or, for entries signed before it, "ipl.entry/v1". The public keys come
 * from /api/v1/keys, or from the feed's keys.json when the API does not answer. The page works without this script; it only adds the check's outcome
 * to the status region, whose messages the server has already translated.
 *
 * A valid signature over the embedded JSON is not enough: the visitor reads the page's text.
 * Every element marked data-signed="<path>" (and the title) must show exactly the value at
 * that path of the verified entry, or the check fails with "text-mismatch".
 */
(function () {
  "use strict";

  var ENTRY_TYPES = ["ipl.entry/v1", "ipl.entry/v2"];
  var ALGORITHM = "Ed25519";

  // RFC 8785 for the value types an entry holds. JSON.stringify already escapes strings
  // exactly as JCS requires, and the default sort compares UTF-16 code units, as JCS does.
  function canonicalJson(value) {
    if (value === null) {
      return "null";
    }
    if (typeof value === "boolean") {
      return value ? "true" : "false";
    }
    if (typeof value === "number") {
      if (!Number.isSafeInteger(value)) {
        throw new Error("entries hold only whole numbers within the safe range");
      }
      return String(value);
    }
    if (typeof value === "string") {
      return JSON.stringify(value);
    }
    if (Array.isArray(value)) {
      return "[" + value.map(canonicalJson).join(",") + "]";
    }
    if (typeof value === "object") {
      return "{" + Object.keys(value).sort().map(function (key) {
        return JSON.stringify(key) + ":" + canonicalJson(value[key]);
      }).join(",") + "}";
    }
    throw new Error("not a JSON value: " + typeof value);
  }

  function base64ToBytes(text) {
    var binary = atob(text);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) {
      bytes[i] = binary.charCodeAt(i);
    }
    return bytes;
  }

  function toHex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (byte) {
      return byte.toString(16).padStart(2, "0");
    }).join("");
  }

  function signedMessage(type, canonical) {
    var prefix = new TextEncoder().encode(type);
    var message = new Uint8Array(prefix.length + 1 + canonical.length);
    message.set(prefix, 0);
    message[prefix.length] = 0;
    message.set(canonical, prefix.length + 1);
    return message;
  }

  // The keys endpoint may answer with a bare list or with {"keys": [...]}.
  function keyList(body) {
    if (Array.isArray(body)) {
      return body;
    }
    return body && Array.isArray(body.keys) ? body.keys : [];
  }

  function findKey(keys, kid) {
    return keys.find(function (key) {
      return key && key.kid === kid && key.alg === ALGORITHM && (!key.use || key.use === "entry");
    });
  }

  // Resolves to one of: "verified", "failed", "hash-mismatch", "no-key", "unsupported".
  async function verifyBundle(bundle, keys, subtle, expectedSha256) {
    var entry = bundle && bundle.entry;
    var signature = bundle && bundle.signature;
    if (!entry || !signature || ENTRY_TYPES.indexOf(entry.type) < 0 || signature.alg !== ALGORITHM) {
      return "failed";
    }
    var record = findKey(keys, signature.kid);
    if (!record) {
      return "no-key";
    }
    if (!subtle) {
      return "unsupported";  // WebCrypto exists only on secure (HTTPS) pages
    }
    var canonical = new TextEncoder().encode(canonicalJson(entry));
    if (expectedSha256) {
      var digest = toHex(await subtle.digest("SHA-256", canonical));
      if (digest !== expectedSha256) {
        return "hash-mismatch";
      }
    }
    var key;
    try {
      key = await subtle.importKey("raw", base64ToBytes(record.public_key), { name: ALGORITHM }, false, ["verify"]);
    } catch (error) {
      return error && error.name === "NotSupportedError" ? "unsupported" : "failed";
    }
    var valid = await subtle.verify({ name: ALGORITHM }, key, base64ToBytes(signature.sig), signedMessage(entry.type, canonical));
    return valid ? "verified" : "failed";
  }

  // The value at a dotted path ("basis.0.authority") of the entry, as the page would show it.
  function valueAt(entry, path) {
    var value = path.split(".").reduce(function (node, part) {
      return node === null || node === undefined ? undefined : node[part];
    }, entry);
    return value === null || value === undefined ? "" : String(value);
  }

  // Each shown field: [the path it claims, the text on the page]. True when every one matches.
  function pageTextMatches(entry, shown) {
    return shown.every(function (field) {
      return valueAt(entry, field[0]) === String(field[1] || "").trim();
    });
  }

  function shownFields(status) {
    var fields = Array.prototype.map.call(document.querySelectorAll("[data-signed]"), function (el) {
      return [el.dataset.signed, el.textContent];
    });
    var title = document.getElementById("entry-title");
    if (title && status.dataset.titleField) {
      fields.push([status.dataset.titleField, title.textContent]);
    }
    return fields;
  }

  var MESSAGE_FOR = {
    checking: "msgChecking",
    verified: "msgVerified",
    failed: "msgFailed",
    "hash-mismatch": "msgHashMismatch",
    "text-mismatch": "msgTextMismatch",
    "no-key": "msgNoKey",
    unsupported: "msgUnsupported",
    error: "msgError"
  };

  // The API answers first; the feed's keys.json holds the same records if the API is down.
  async function fetchKeys(urls) {
    for (var i = 0; i < urls.length; i += 1) {
      try {
        var response = await fetch(urls[i], { headers: { Accept: "application/json" }, credentials: "same-origin" });
        if (response.ok) {
          return keyList(await response.json());
        }
      } catch (error) {
        // try the next source
      }
    }
    throw new Error("no key source answered");
  }

  function show(status, outcome) {
    status.textContent = status.dataset[MESSAGE_FOR[outcome]] || outcome;
    status.classList.toggle("verified", outcome === "verified");
    status.classList.toggle("failed", ["failed", "hash-mismatch", "text-mismatch"].indexOf(outcome) >= 0);
  }

  function run() {
    var status = document.getElementById("verify-status");
    var source = document.getElementById("entry-bundle");
    if (!status || !source) {
      return;
    }
    show(status, "checking");
    var bundle;
    try {
      bundle = JSON.parse(source.textContent);
    } catch (error) {
      show(status, "failed");
      return;
    }
    var subtle = window.crypto && window.crypto.subtle;
    fetchKeys([status.dataset.keysUrl, status.dataset.keysFallbackUrl].filter(Boolean))
      .then(function (keys) {
        return verifyBundle(bundle, keys, subtle, status.dataset.contentSha256);
      })
      .then(function (outcome) {
        if (outcome === "verified" && !pageTextMatches(bundle.entry, shownFields(status))) {
          outcome = "text-mismatch";
        }
        show(status, outcome);
      })
      .catch(function () {
        show(status, "error");
      });
  }

  if (typeof module === "object" && module.exports) {
    // Loaded by the test suite under Node.js: expose the checks, touch no page.
    module.exports = {
      canonicalJson: canonicalJson,
      keyList: keyList,
      verifyBundle: verifyBundle,
      pageTextMatches: pageTextMatches
    };
  } else if (document.readyState === "loading") {
    window.registryVerify = { canonicalJson: canonicalJson };  // proof.js hashes the entry too
    document.addEventListener("DOMContentLoaded", run);
  } else {
    window.registryVerify = { canonicalJson: canonicalJson };
    run();
  }
}());
