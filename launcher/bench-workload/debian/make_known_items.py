#!/usr/bin/env python3
"""Writes the small, fixed known-item set that knowledge-service's KnownItemSearchTest keeps, so a
ranking change cannot silently lose quality: every 20th query of queries.tsv (50 queries), their
target entries, and for each query the 25 other entries that compete hardest for it (most of the
query's words in the first sentence and the context, then in the whole text), from corpus.tsv.gz.
Deterministic; run it in this folder.
Output: ../../../knowledge-service/src/test/resources/known-items/{corpus,queries}.tsv"""
import gzip
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '../../../knowledge-service/src/test/resources/known-items')

corpus = {}
with gzip.open(os.path.join(HERE, 'corpus.tsv.gz'), 'rt', encoding='utf-8') as f:
    for line in f:
        id_, package, scope, content, context = line.rstrip('\n').split('\t')
        corpus[int(id_)] = (scope, content, context)
queries = []
with open(os.path.join(HERE, 'queries.tsv'), encoding='utf-8') as f:
    for line in f:
        qid, target, query = line.rstrip('\n').split('\t')
        if int(qid) % 20 == 0:
            queries.append((int(qid), int(target), query))

def words(text):
    return set(re.findall(r'[a-z0-9]+', text.lower()))


head_words = {id_: words(c[1].split('. ')[0] + ' ' + c[2]) for id_, c in corpus.items()}
all_words = {id_: words(c[1] + ' ' + c[2]) for id_, c in corpus.items()}
chosen = set()
for qid, target, query in queries:
    wanted = set(query.split())
    chosen.add(target)
    competitors = sorted((id_ for id_ in corpus if id_ != target and wanted & all_words[id_]),
                         key=lambda id_: (-len(wanted & head_words[id_]), -len(wanted & all_words[id_]), id_))
    chosen.update(competitors[:25])

os.makedirs(OUT, exist_ok=True)
with open(os.path.join(OUT, 'corpus.tsv'), 'w', encoding='utf-8') as f:
    for id_ in sorted(chosen):
        scope, content, context = corpus[id_]
        f.write(f'{id_}\t{scope}\t{content}\t{context}\n')
with open(os.path.join(OUT, 'queries.tsv'), 'w', encoding='utf-8') as f:
    for qid, target, query in queries:
        f.write(f'{qid}\t{target}\t{query}\n')
print(f'{len(queries)} queries, {len(chosen)} entries')
