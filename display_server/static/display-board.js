/* The TV's board drawn from the `board` message: the waiting area's rows of rooms (诊区屏), or
 * the cards of the one or two rooms at a door (诊室门口屏), and the missed list.
 *
 * Every number must be read from across the room: rows never shrink a number below
 * MIN_NUMBER_PX (MIN_NEXT_PX for the "next" lists, docs/screens.md says why); when the rows do
 * not fit at that size they are shown a page at a time. Anything that would be cut at an edge
 * (a next number, a missed chip) is left out whole instead, and the count of what is left out
 * said, never half a number.
 */
(function (global) {
  "use strict";

  var CQ = global.ClinicQueue;
  var Layout = global.ClinicQueueLayout;
  var esc = CQ.escapeHtml;
  var MIN_NUMBER_PX = 48;
  var MIN_NEXT_PX = 36;
  // A row: the number's line plus a little air above and below it.
  var MIN_ROW_PX = Math.ceil(MIN_NUMBER_PX * 1.3);
  var NEXT_PER_DESK = 3;
  var NEXT_AT_DOOR = 5;
  var FEWEST_ROWS = 4;

  /* A masked name that shows no letter (a one-letter name is "*") says nothing: left out. */
  function shownName(name) {
    return /[^*\s]/.test(name || "") ? name : "";
  }

  function current(desk) {
    if (desk.paused) { return '停诊 <small>Paused</small>'; }
    if (!desk.current) { return ""; }
    return '<span class="ticket">' + esc(desk.current.ticket) + '</span><span class="name">' +
      esc(shownName(desk.current.name)) + "</span>";
  }

  function numbers(entries, limit) {
    return entries.slice(0, limit).map(function (entry) {
      return '<span class="next-ticket">' + esc(entry.ticket) + "</span>";
    }).join("");
  }

  function deskRow(desk, lastCalledDesk) {
    var classes = "desk" + (desk.paused ? " paused" : "") +
      (desk.id === lastCalledDesk ? " just-called" : "");
    return '<div class="' + classes + '" data-desk="' + esc(desk.id) + '">' +
      '<div class="desk-room"><span class="room-number">' + esc(desk.room) +
      '</span> <span class="room-unit">诊室</span><small>' + esc(desk.name) + "</small></div>" +
      '<div class="desk-current">' + current(desk) + "</div></div>";
  }

  function groupBlock(group, lastCalledDesk) {
    var ids = group.desks.map(function (desk) { return desk.id; }).join(" ");
    return '<div class="line-group" style="--span:' + group.desks.length + '">' +
      '<div class="group-desks">' +
      group.desks.map(function (desk) { return deskRow(desk, lastCalledDesk); }).join("") +
      '</div><div class="desk-next" data-for="' + esc(ids) + '">' +
      numbers(group.next, NEXT_PER_DESK) + "</div></div>";
  }

  function overflowing(list) {
    return list.scrollWidth > list.clientWidth + 1 || list.scrollHeight > list.clientHeight + 1;
  }

  /* Drops the last numbers of a list, keeping at least `keep`, until the rest is whole on
   * screen; `onDrop(count)` hears how many are left out so far. */
  function fitList(list, keep, onDrop) {
    var items = list.querySelectorAll(".next-ticket, .missed-ticket");
    var dropped = 0;
    for (var i = items.length - 1; i >= keep && overflowing(list); i -= 1) {
      items[i].remove();
      dropped += 1;
      if (onDrop) { onDrop(dropped); }
    }
  }

  /* The waiting area's screen: `page` of the rows; returns how many pages there are. */
  function drawRows(container, board, page) {
    var height = container.clientHeight;
    var fit = Math.max(1, Math.floor(height / MIN_ROW_PX));
    // Pages of even length: 6 and 6 rather than 9 and 3.
    var rows = Math.ceil(board.desks.length / Math.ceil(board.desks.length / fit)) || 1;
    var pages = Layout.paginate(Layout.groupDesks(board.desks), rows);
    var shown = pages[page % pages.length];
    var count = shown.reduce(function (sum, group) { return sum + group.desks.length; }, 0);
    var slots = Math.min(rows, Math.max(count, FEWEST_ROWS));
    var rowPx = height / Math.max(slots, 1);
    var shorter = Math.min(global.innerWidth, global.innerHeight);
    var font = Math.max(MIN_NUMBER_PX, Math.min(rowPx * 0.6, shorter * 0.075));
    // A row too low for the desk's name under its room number shows the number alone.
    container.classList.toggle("tight", rowPx < font * 1.7);
    container.style.setProperty("--rows", String(slots));
    container.style.setProperty("--row-font", font + "px");
    container.style.setProperty("--next-font", Math.max(MIN_NEXT_PX, font * 0.62) + "px");
    container.innerHTML = shown.map(function (group) {
      return groupBlock(group, board.lastCalledDesk);
    }).join("");
    container.querySelectorAll(".desk-next").forEach(function (list) { fitList(list, 1); });
    return pages.length;
  }

  function doorCard(desk, lastCalledDesk) {
    var classes = "desk door-card" + (desk.paused ? " paused" : "") +
      (desk.id === lastCalledDesk ? " just-called" : "");
    var doctor = desk.doctor
      ? '<div class="door-doctor">' + esc(desk.doctor) + ' <span class="door-title">' +
        esc(desk.title) + "</span></div>"
      : "";
    return '<div class="' + classes + '" data-desk="' + esc(desk.id) + '">' +
      '<div class="door-room"><span class="room-number">' + esc(desk.room) +
      '</span> 诊室 <small>' + esc(desk.name) + "</small></div>" + doctor +
      '<div class="door-label">正在就诊 <small>Now serving</small></div>' +
      '<div class="desk-current">' + current(desk) + "</div>" +
      '<div class="door-label">候诊 <small>Next</small></div>' +
      '<div class="desk-next" data-for="' + esc(desk.id) + '">' +
      numbers(desk.paused ? [] : desk.next, NEXT_AT_DOOR) + "</div></div>";
  }

  /* The screen at a room's door: the room, its doctor, who is in, who is next. */
  function drawDoor(container, board) {
    container.style.removeProperty("--rows");
    container.style.setProperty("--cards", String(Math.max(board.desks.length, 1)));
    container.innerHTML = board.desks.map(function (desk) {
      return doorCard(desk, board.lastCalledDesk);
    }).join("");
    container.querySelectorAll(".desk-next").forEach(function (list) { fitList(list, 1); });
  }

  function drawMissed(container, board) {
    var chips = [];
    board.queues.forEach(function (queue) {
      queue.missed.forEach(function (entry) {
        chips.push('<span class="missed-ticket">' + esc(entry.ticket) +
          '<span class="name">' + esc(shownName(entry.name)) + "</span></span>");
      });
    });
    // Newest first: when the list is long it is the oldest that is left out.
    chips.reverse();
    container.innerHTML = chips.length ? chips.join("")
      : '<span class="missed-empty">无 · None</span>';
    var more = null;
    fitList(container, 0, function (dropped) {
      if (more === null) {
        more = document.createElement("span");
        more.className = "missed-more";
        container.appendChild(more);
      }
      more.textContent = "+" + dropped;
    });
  }

  global.ClinicQueueBoard = {
    drawRows: drawRows,
    drawDoor: drawDoor,
    drawMissed: drawMissed,
    shownName: shownName
  };
})(window);
