// Colour-blind-safe colours: viridis for the 32 size classes (an ordered
// scale: small blocks dark, large blocks light) and Okabe-Ito for
// categories.
const VIRIDIS = [
  [68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142],
  [31, 158, 137], [53, 183, 121], [109, 205, 89], [180, 222, 44], [253, 231, 37],
];

// t in [0, 1].
export function viridis(t) {
  const x = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const c = VIRIDIS[i].map((v, k) => Math.round(v + (VIRIDIS[i + 1][k] - v) * f));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

export const classColour = (sizeClass) => viridis(sizeClass / 31);

export function viridisGradient() {
  const stops = VIRIDIS.map((c, i) => `rgb(${c.join(',')}) ${(i / (VIRIDIS.length - 1)) * 100}%`);
  return `linear-gradient(to right, ${stops.join(', ')})`;
}

export const OKABE_ITO = {
  orange: '#E69F00', sky: '#56B4E9', green: '#009E73', yellow: '#F0E442',
  blue: '#0072B2', vermillion: '#D55E00', purple: '#CC79A7', black: '#000000',
};
