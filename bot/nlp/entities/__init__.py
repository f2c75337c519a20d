"""Named entities: the curated multilingual table, the Arabic tagger and the extractor.

Data: bot/nlp/data/entities.json (CLDR country names via babel plus a curated table, built by
scripts/build_entity_table.py); bot/nlp/data/ner_gazetteer.tsv (a word list derived from GATE's
Arabic gazetteer, LGPL-3.0, and CLDR city/currency names); bot/nlp/data/ner_clusters.tsv (word
clusters learnt from SaudiNewsNet, CC BY-NC-SA 4.0, by scripts/train_word_clusters.py);
bot/nlp/models/ner_ar*.crfsuite (CRFs trained on ANERcorp by scripts/train_ner.py).
"""

from bot.nlp.entities.catalog import Catalog, Entry
from bot.nlp.entities.extract import Mention, extract_entities, extract_entities_many

__all__ = ["Catalog", "Entry", "Mention", "extract_entities", "extract_entities_many"]
