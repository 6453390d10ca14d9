import { runRerankFixtures } from '../../helpers/rerank-fixtures.js';

runRerankFixtures('voyage');
