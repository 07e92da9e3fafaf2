/* How the TV lays its desks out, without touching the page: which desks share one "next"
 * list, and how the rows are cut into pages when they cannot all be shown at a legible size.
 *
 * Desks that serve the same queues and would call the same patients next (several rooms of one
 * 普通号) show that list once, beside all of their rows, instead of once per room. A desk with a
 * patient pinned to it (专家号, back from tests) has a line of its own and keeps its own list.
 */
(function (global) {
  "use strict";

  function lineKey(desk) {
    var queues = desk.queues.slice().sort().join(",");
    var next = desk.next.map(function (entry) { return entry.ticket; }).join(",");
    return queues + "|" + next;
  }

  /* [{desks: [...], next: [...]}] in configuration order, each group where its first desk is. */
  function groupDesks(desks) {
    var groups = [];
    var byKey = {};
    desks.forEach(function (desk) {
      var key = lineKey(desk);
      if (desk.paused || desk.next.length === 0 || !(key in byKey)) {
        var group = { desks: [desk], next: desk.next };
        groups.push(group);
        if (!desk.paused && desk.next.length > 0) { byKey[key] = group; }
        return;
      }
      byKey[key].desks.push(desk);
    });
    return groups;
  }

  /* Pages of at most `rows` desk rows; a group longer than the room left is cut, and each
   * part shows its list again (once per page, never once per row). */
  function paginate(groups, rows) {
    var limit = Math.max(1, rows);
    var pages = [];
    var page = [];
    var used = 0;
    groups.forEach(function (group) {
      var rest = group.desks;
      while (rest.length > 0) {
        if (used === limit) {
          pages.push(page);
          page = [];
          used = 0;
        }
        var take = rest.slice(0, limit - used);
        page.push({ desks: take, next: group.next });
        used += take.length;
        rest = rest.slice(take.length);
      }
    });
    if (page.length > 0 || pages.length === 0) { pages.push(page); }
    return pages;
  }

  global.ClinicQueueLayout = { groupDesks: groupDesks, paginate: paginate };
})(window);
