/** A table of the page with its note (why it is empty) and its scrolling region, rows filled in by the script. */
export const table = (id: string, label: string, columns: [string, string?][]) => `
    <p id="${id}-note" class="note" hidden></p>
    <div id="${id}-wrap" class="scroll" role="region" aria-label="${label}" tabindex="0" hidden>
      <table id="${id}" class="stack" role="table">
        <caption class="sr-only">${label}</caption>
        <thead role="rowgroup"><tr role="row">${columns
          .map(
            ([name, cls]) =>
              `<th scope="col" role="columnheader"${cls ? ` class="${cls}"` : ''}>${name}</th>`,
          )
          .join('')}</tr></thead>
        <tbody role="rowgroup"></tbody>
      </table>
    </div>`;
