/* Functions the grids name in their options (dash-ag-grid looks them up in window.dashAgGridFunctions).

   cdEnterActivates(params, setGridProps): Enter on a focused cell does what a click on it does. AG Grid
   moves between cells with the arrow keys but has no key that fires `cellClicked`, so a grid whose rows
   open something (a coder's scorecard) was mouse-only. Registered on every grid as a `cellKeyDown` event
   listener (dashboard/components.py ENTER_ACTIVATES); it sets the grid's `cellClicked` prop exactly as a
   click does, so the pages' callbacks need no change. Space keeps AG Grid's meaning (select the row). */
var dagfuncs = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});

dagfuncs.cdEnterActivates = function (params, setGridProps) {
  var event = params.event;
  if (!event || event.key !== "Enter" || !params.node || !params.column) return;
  setGridProps({cellClicked: {
    value: params.value === undefined ? null : params.value, colId: params.column.getColId(),
    rowIndex: params.rowIndex, rowId: params.node.id === undefined ? null : params.node.id,
    timestamp: Date.now()}});
};

/* cdTabLeavesGrid(params): Tab and Shift+Tab leave the grid instead of walking every cell (the WAI-ARIA
   grid pattern: one Tab stop per grid, arrow keys inside it), so a keyboard user passes a 100-cell grid
   with one key press. Returning false hands Tab back to the browser (AG Grid's tabToNextCell and
   tabToNextHeader contract). */
dagfuncs.cdTabLeavesGrid = function (params) {
  return false;
};
