/* Conversations: traffic per pair of IP addresses (like tshark -z conv,ip), aggregated
 * from flows as they end. Bounded: past `max_pairs` distinct pairs, further pairs are
 * counted together as "(other)". */
#pragma once
#include "analyzer/pipeline/flow-table.h"
#include "analyzer/report/report.h"

typedef struct WtConversations WtConversations;

WtConversations *wt_conversations_new(guint max_pairs);
void wt_conversations_free(WtConversations *c);
void wt_conversations_add_flow(WtConversations *c, const WtFlow *flow);
/* Section "conversations": top `top_n` pairs by bytes. */
void wt_conversations_report(WtConversations *c, WtReport *r, guint top_n);
/* --threads: add `from`'s pairs into `into` (pairs new to `into` past its cap go to
 * "(other)", as they would have one flow at a time). */
void wt_conversations_merge(WtConversations *into, const WtConversations *from);
