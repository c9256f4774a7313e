/**
 * How many cases a fast-check property tries. The default given here keeps `npm test` within its
 * time budget (the whole suite in two minutes on two cores); fast-check draws a new seed each run,
 * so runs add up over time, and a failure prints its seed and path to replay. `PROPERTY_RUNS=N`
 * sets every property to N cases for a longer search: `PROPERTY_RUNS=5000 npm run test:unit`.
 */
export function propertyRuns(bounded: number): number {
  const wanted = Number(process.env['PROPERTY_RUNS']);
  return Number.isInteger(wanted) && wanted > 0 ? wanted : bounded;
}
