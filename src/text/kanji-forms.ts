/**
 * Old (kyūjitai) and variant kanji with the form used today, for comparing names — never for changing
 * what a person wrote. The table of the Jōyō Kanji list (常用漢字表, Agency for Cultural Affairs: the
 * old forms it gives in parentheses) and the common name variants 髙 﨑 𠮷, as packaged by the PyPI
 * package joyokanji 1.1.0 (Apache License 2.0, https://pypi.org/project/joyokanji/), copied here as
 * two strings of the same length: OLD_FORMS[i] is written today as NEW_FORMS[i].
 */
export const OLD_FORMS =
  '乘亂亞佛來倂假傳僞價儉兒兩剩劍劑勞勳勵勸區卷卽參單嚴囑圈國圍圓圖團增墮壓壘壞壤壯壹壽奧奬孃學寢實寫寬寶將專對屆屬峽嶽巢帶廢廣廳彈彌徑從徵德恆惠惡惱愼慘應懷戀戰戲戾拂拔拜挾插揭搖搜擇擊擔據擧擴攝收效敍敕數斷晚晝曆曉曾會條棧榮槪樂樓樞樣橫檢櫻權歐歡步歷歸殘殼毆每氣涉淚淨淺渴溪溫滯滿潛澁澤濕濟濱瀧瀨灣燈燒營爐爭爲犧狀狹獨獵獸獻甁畫當疊瘦癡發盜盡眞硏碎祕禪禮稱稻穗穩竊竝粹絲經綠緖緣縣縱總繩繪繼續纖缺罐聲聽肅腦膽臟臺與舊艷莊莖萬薰藏藝藥處虛號螢蟲蠶蠻衞裝襃覺覽觀觸謠證譯譽讀變讓豐豫貳賣賴贊踐輕轉辭遞遲邊郞鄕醉醫釀釋錄錢鍊鎭鐵鑄鑛關陷隨險隱雙雜霸靈靜顯飜餘騷驅驗驛髓體髮鬭鷄鹽麥麵黃黑默點黨齊齋齒齡龍欄廊朗虜殺類隆塚神祥福諸都侮僧免勉勤卑喝嘆器塀墨層悔慨憎懲敏既暑梅海漢煮碑社祉祈祖祝禍穀突節練繁署者臭著褐視謁謹賓贈逸難響頻髙𠮷﨑羽';
export const NEW_FORMS =
  '乗乱亜仏来併仮伝偽価倹児両剰剣剤労勲励勧区巻即参単厳嘱圏国囲円図団増堕圧塁壊壌壮壱寿奥奨嬢学寝実写寛宝将専対届属峡岳巣帯廃広庁弾弥径従徴徳恒恵悪悩慎惨応懐恋戦戯戻払抜拝挟挿掲揺捜択撃担拠挙拡摂収効叙勅数断晩昼暦暁曽会条桟栄概楽楼枢様横検桜権欧歓歩歴帰残殻殴毎気渉涙浄浅渇渓温滞満潜渋沢湿済浜滝瀬湾灯焼営炉争為犠状狭独猟獣献瓶画当畳痩痴発盗尽真研砕秘禅礼称稲穂穏窃並粋糸経緑緒縁県縦総縄絵継続繊欠缶声聴粛脳胆臓台与旧艶荘茎万薫蔵芸薬処虚号蛍虫蚕蛮衛装褒覚覧観触謡証訳誉読変譲豊予弐売頼賛践軽転辞逓遅辺郎郷酔医醸釈録銭錬鎮鉄鋳鉱関陥随険隠双雑覇霊静顕翻余騒駆験駅髄体髪闘鶏塩麦麺黄黒黙点党斉斎歯齢竜欄廊朗虜殺類隆塚神祥福諸都侮僧免勉勤卑喝嘆器塀墨層悔慨憎懲敏既暑梅海漢煮碑社祉祈祖祝禍穀突節練繁署者臭著褐視謁謹賓贈逸難響頻高吉崎羽';
