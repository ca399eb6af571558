/* Progressive enhancement only: shows quorum, approval and vote thresholds as they are
   typed. The server checks everything again; without this script the pages work the
   same, with the "核算" button instead. Texts come from the page (data-* attributes). */
(function () {
  "use strict";

  function count(form, name) {
    var input = form.elements[name];
    if (!input || !/^\d+$/.test(input.value.trim())) { return null; }
    return parseInt(input.value.trim(), 10);
  }

  function hundredths(form, name) {
    var input = form.elements[name];
    var match = input && /^(\d+)(?:\.(\d{1,2}))?$/.exec(input.value.trim());
    if (!match) { return null; }
    return parseInt(match[1], 10) * 100 + parseInt(((match[2] || "") + "00").slice(0, 2), 10);
  }

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (all, key) { return values[key]; });
  }

  function show(box, lines, passed) {
    box.hidden = false;
    box.className = "result " + (passed === null ? "" : passed ? "pass" : "fail");
    box.textContent = "";
    lines.forEach(function (line) {
      var p = document.createElement("p");
      p.textContent = line;
      box.appendChild(p);
    });
  }

  function study(form) {
    var box = document.getElementById("study-live");
    var ticks = form.querySelectorAll('input[name="present_member"]');
    var ticked = form.querySelectorAll('input[name="present_member"]:checked').length;
    var present = form.elements.members_present;
    if (ticks.length && present && (present.dataset.auto === "1" || present.value === "")) {
      present.value = ticked ? String(ticked) : "";
      present.dataset.auto = "1";
    }
    var v = {
      expected: count(form, "members_expected"),
      present: count(form, "members_present"),
      votes: count(form, "votes_for"),
      against: count(form, "votes_against") || 0,
      abstain: count(form, "votes_abstain") || 0
    };
    if (v.expected === null || v.present === null || v.votes === null || v.expected < 1) {
      show(box, [box.dataset.incomplete], null);
      return;
    }
    if (v.present > v.expected || v.votes + v.against + v.abstain > v.present) {
      show(box, [box.dataset.tooMany], false);
      return;
    }
    var quorum = v.present * 2 > v.expected;
    var approved = quorum && v.votes * 2 > v.expected;
    var lines = [fill(quorum ? box.dataset.quorumYes : box.dataset.quorumNo, v)];
    if (quorum) {
      lines.push(fill(approved ? box.dataset.approvedYes : box.dataset.approvedNo, v));
    }
    show(box, lines, approved);
  }

  function vote(form) {
    var box = document.getElementById("vote-live");
    var rule = form.dataset.rule;
    var ba = hundredths(form, "base_area"), pa = hundredths(form, "participating_area");
    var aa = hundredths(form, "approving_area");
    var bo = count(form, "base_owners"), po = count(form, "participating_owners");
    var ao = count(form, "approving_owners");
    if ([ba, pa, aa, bo, po, ao].indexOf(null) !== -1 || !ba || !bo) {
      box.hidden = true;
      return;
    }
    if (pa > ba || aa > pa || po > bo || ao > po) {
      show(box, [box.dataset.tooMany], false);
      return;
    }
    var participation = pa * 3 >= ba * 2 && po * 3 >= bo * 2;
    var approval = rule === "three_quarters"
      ? aa * 4 >= pa * 3 && ao * 4 >= po * 3
      : aa * 2 > pa && ao * 2 > po;
    var lines = [participation ? box.dataset.participationYes : box.dataset.participationNo];
    if (participation) {
      lines.push(approval ? box.dataset.approvalYes : box.dataset.approvalNo);
    }
    show(box, lines, participation && approval);
  }

  var checks = { study: study, vote: vote };
  document.querySelectorAll("form[data-live]").forEach(function (form) {
    var check = checks[form.dataset.live];
    if (!check) { return; }
    form.addEventListener("input", function (event) {
      if (event.target.name === "members_present") { event.target.dataset.auto = "0"; }
      check(form);
    });
    form.addEventListener("change", function () { check(form); });
    check(form);
  });
})();
