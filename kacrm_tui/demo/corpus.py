"""The words the demo is made of: places, people's names, company-name parts and industries.
Plain data, parsed once at import; the note phrases are in `kacrm_tui.demo.phrases`."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class City:
    region: str  # 华东 …
    province: str  # 浙江省; '' for a municipality
    short_province: str  # 浙江, used as a company-name prefix
    name: str  # 杭州 (without 市)
    area_code: str  # 0571
    districts: tuple[tuple[str, tuple[str, ...]], ...]  # (滨江区, (江南大道, …))


# region -> share of customers (percent), then its cities as
# "province|short|city|area code|district:street,street;district:street,…"
_GEOGRAPHY = {
    ("华东", 28): (
        "|上海|上海|021|浦东新区:张江路,金科路,世纪大道,川沙路;闵行区:沪闵路,七莘路,莘庄工业区春中路;嘉定区:曹安公路,嘉唐公路;松江区:九亭大街,荣乐东路",
        "浙江省|浙江|杭州|0571|滨江区:江南大道,滨安路,江虹路;萧山区:市心中路,金城路,建设一路;余杭区:文一西路,临平大道;西湖区:天目山路,文三路",
        "浙江省|浙江|宁波|0574|鄞州区:天童南路,泰康中路;北仑区:明州路,长江路;镇海区:骆驼街道镇骆东路",
        "浙江省|浙江|温州|0577|鹿城区:车站大道,学院中路;龙湾区:永强大道,温州大道",
        "江苏省|江苏|南京|025|江宁区:双龙大道,胜太路;鼓楼区:中山北路,汉中门大街;栖霞区:仙林大道,尧化街",
        "江苏省|江苏|苏州|0512|工业园区:星湖街,苏虹中路;吴中区:东吴北路,宝带东路;相城区:阳澄湖东路,华元路",
        "江苏省|江苏|无锡|0510|新吴区:长江路,新华路;滨湖区:太湖大道,蠡湖大道",
        "安徽省|安徽|合肥|0551|包河区:徽州大道,马鞍山路;蜀山区:长江西路,黄山路;经开区:繁华大道",
        "山东省|山东|济南|0531|历下区:经十路,解放路;槐荫区:经七路,张庄路",
        "山东省|山东|青岛|0532|黄岛区:香江路,长江中路;城阳区:正阳路,春阳路;市南区:香港中路,山东路",
        "福建省|福建|福州|0591|鼓楼区:五四路,杨桥中路;仓山区:浦上大道,金山大道",
        "福建省|福建|厦门|0592|思明区:湖滨南路,莲前东路;湖里区:枋湖路,湖里大道",
        "江西省|江西|南昌|0791|红谷滩区:赣江中大道,丰和中大道;青山湖区:北京东路,青山南路",
    ),
    ("华南", 20): (
        "广东省|广东|广州|020|天河区:天河路,黄埔大道西,体育西路;白云区:广州大道北,江高镇南岗路;番禺区:市桥街繁华路,迎宾路;黄埔区:科学大道,开创大道",
        "广东省|广东|深圳|0755|南山区:科技园南路,深南大道,南海大道;宝安区:宝安大道,新湖路;龙岗区:龙岗大道,布澜路;福田区:福华路,彩田路",
        "广东省|广东|东莞|0769|南城街道:鸿福路,宏图路;长安镇:振安路,长青北路;松山湖:工业北路,新城大道",
        "广东省|广东|佛山|0757|顺德区:容桂大道,顺峰山路;南海区:南海大道,桂澜路;禅城区:季华路,汾江中路",
        "广东省|广东|珠海|0756|香洲区:九洲大道,情侣中路;金湾区:金湖大道",
        "广东省|广东|汕头|0754|龙湖区:长平路,金砂东路;金平区:汕樟路",
        "广西壮族自治区|广西|南宁|0771|青秀区:民族大道,东葛路;西乡塘区:大学东路,友爱北路",
        "海南省|海南|海口|0898|龙华区:国贸大道,滨海大道;美兰区:海府路,海甸五西路",
    ),
    ("华北", 16): (
        "|北京|北京|010|朝阳区:建国路,酒仙桥路,望京街;海淀区:中关村大街,学院路;丰台区:南四环西路,丰台路;大兴区:荣华南路,兴华大街",
        "|天津|天津|022|滨海新区:港城大道,第三大街;和平区:南京路,曲阜道;西青区:津静公路,中北大道",
        "河北省|河北|石家庄|0311|长安区:中山东路,建设北大街;裕华区:槐安东路,裕华东路",
        "河北省|河北|唐山|0315|路北区:建设北路,长宁道;丰南区:文化大街",
        "河北省|河北|保定|0312|莲池区:东风中路,裕华西路",
        "山西省|山西|太原|0351|小店区:长风街,坞城路;迎泽区:迎泽大街,五一路",
        "内蒙古自治区|内蒙古|呼和浩特|0471|新城区:新华大街,兴安南路;赛罕区:昭乌达路,大学东街",
    ),
    ("华中", 12): (
        "湖北省|湖北|武汉|027|江汉区:建设大道,新华路;洪山区:珞喻路,雄楚大道;东西湖区:金银湖路,吴家山四明路;汉阳区:龙阳大道,汉阳大道",
        "湖北省|湖北|宜昌|0717|西陵区:东山大道,夷陵大道",
        "湖北省|湖北|襄阳|0710|樊城区:长虹北路,人民西路",
        "湖南省|湖南|长沙|0731|岳麓区:麓谷大道,桐梓坡路;雨花区:万家丽中路,劳动东路;开福区:芙蓉中路,三一大道",
        "湖南省|湖南|株洲|0731|天元区:长江北路,株洲大道",
        "河南省|河南|郑州|0371|金水区:花园路,农业路;二七区:大学路,航海中路;郑东新区:商务外环路,金水东路",
        "河南省|河南|洛阳|0379|涧西区:中州西路,南昌路",
        "河南省|河南|濮阳|0393|华龙区:胜利路,中原路",
    ),
    ("西南", 11): (
        "四川省|四川|成都|028|武侯区:人民南路四段,武侯大道;高新区:天府大道,益州大道;锦江区:春熙路,东大街;双流区:航空港大道,西航港大道",
        "四川省|四川|绵阳|0816|涪城区:临园路,剑南路",
        "|重庆|重庆|023|渝北区:金开大道,新南路;江北区:建新北路,北滨一路;九龙坡区:杨家坪正街,科园一路;沙坪坝区:小龙坎正街,大学城中路",
        "云南省|云南|昆明|0871|五华区:人民中路,学府路;官渡区:春城路,关上中路",
        "贵州省|贵州|贵阳|0851|南明区:中华南路,花果园大街;观山湖区:长岭北路,林城西路",
    ),
    ("西北", 6): (
        "陕西省|陕西|西安|029|雁塔区:长安南路,小寨东路;未央区:凤城八路,未央路;高新区:科技路,锦业路",
        "甘肃省|甘肃|兰州|0931|城关区:东岗西路,庆阳路;七里河区:西津西路,建兰路",
        "宁夏回族自治区|宁夏|银川|0951|金凤区:北京中路,宁安大街",
        "新疆维吾尔自治区|新疆|乌鲁木齐|0991|天山区:解放北路,中山路;新市区:北京南路,长春中路",
        "青海省|青海|西宁|0971|城西区:五四大街,胜利路",
    ),
    ("东北", 7): (
        "辽宁省|辽宁|沈阳|024|和平区:青年大街,南京南街;浑南区:浑南中路,创新路;铁西区:北二路,建设大路",
        "辽宁省|辽宁|大连|0411|中山区:人民路,港湾街;甘井子区:黄浦路,华北路;金州区:金马路,斯大林路",
        "吉林省|吉林|长春|0431|朝阳区:人民大街,西安大路;绿园区:东风大街,青年路",
        "吉林省|吉林|吉林|0432|船营区:解放东路,北京路",
        "黑龙江省|黑龙江|哈尔滨|0451|南岗区:红旗大街,学府路;道里区:中央大街,友谊路;香坊区:中山路,香坊大街",
    ),
}


def _parse_city(region: str, line: str) -> City:
    province, short, name, code, rest = line.split("|")
    districts = tuple((part.split(":")[0], tuple(part.split(":")[1].split(","))) for part in rest.split(";"))
    return City(region, province, short, name, code, districts)


REGION_WEIGHTS: dict[str, int] = {region: weight for (region, weight) in _GEOGRAPHY}
CITIES: dict[str, tuple[City, ...]] = {
    region: tuple(_parse_city(region, line) for line in lines) for (region, _), lines in _GEOGRAPHY.items()}
REGIONS: tuple[str, ...] = tuple(REGION_WEIGHTS)

# Surnames with their pinyin, most common first (the weights follow the order).
SURNAMES: tuple[tuple[str, str], ...] = tuple(tuple(pair.split(":")) for pair in (
    "王:wang 李:li 张:zhang 刘:liu 陈:chen 杨:yang 黄:huang 赵:zhao 吴:wu 周:zhou 徐:xu 孙:sun 马:ma 朱:zhu "
    "胡:hu 郭:guo 何:he 高:gao 林:lin 罗:luo 郑:zheng 梁:liang 谢:xie 宋:song 唐:tang 许:xu 韩:han 冯:feng "
    "邓:deng 曹:cao 彭:peng 曾:zeng 肖:xiao 田:tian 董:dong 袁:yuan 潘:pan 于:yu 蒋:jiang 蔡:cai 余:yu 杜:du "
    "叶:ye 程:cheng 苏:su 魏:wei 吕:lv 丁:ding 任:ren 沈:shen 姚:yao 卢:lu 姜:jiang 崔:cui 钟:zhong 谭:tan "
    "陆:lu 汪:wang 范:fan 金:jin 石:shi 廖:liao 贾:jia 夏:xia 韦:wei 付:fu 方:fang 白:bai 邹:zou 孟:meng "
    "熊:xiong 秦:qin 邱:qiu 江:jiang 尹:yin 薛:xue 段:duan 雷:lei 侯:hou 龙:long 史:shi 陶:tao 黎:li 贺:he "
    "顾:gu 毛:mao 郝:hao 龚:gong 邵:shao 万:wan 钱:qian 严:yan 覃:qin 武:wu 戴:dai 莫:mo 孔:kong 向:xiang "
    "汤:tang 欧阳:ouyang 司马:sima 上官:shangguan").split())

GIVEN_MALE = tuple("伟强磊军勇杰涛斌超明刚平辉鹏华飞波宇浩凯健俊帆峰毅林国建志文海东亮成龙彬松晨旭振宁坤鑫博")
GIVEN_FEMALE = tuple("芳娜敏静丽艳娟霞秀玲婷雪颖琳洁莉慧燕红倩萍晶梅琴兰月丹瑶欣怡佳璐蕾薇岚琪雯")
# given-name characters with their pinyin: for e-mail addresses and logins
GIVEN_PINYIN = dict(pair.split(":") for pair in (
    "伟:wei 强:qiang 磊:lei 军:jun 勇:yong 杰:jie 涛:tao 斌:bin 超:chao 明:ming 刚:gang 平:ping 辉:hui "
    "鹏:peng 华:hua 飞:fei 波:bo 宇:yu 浩:hao 凯:kai 健:jian 俊:jun 帆:fan 峰:feng 毅:yi 林:lin 国:guo "
    "建:jian 志:zhi 文:wen 海:hai 东:dong 亮:liang 成:cheng 龙:long 彬:bin 松:song 晨:chen 旭:xu 振:zhen "
    "宁:ning 坤:kun 鑫:xin 博:bo 芳:fang 娜:na 敏:min 静:jing 丽:li 艳:yan 娟:juan 霞:xia 秀:xiu 玲:ling "
    "婷:ting 雪:xue 颖:ying 琳:lin 洁:jie 莉:li 慧:hui 燕:yan 红:hong 倩:qian 萍:ping 晶:jing 梅:mei "
    "琴:qin 兰:lan 月:yue 丹:dan 瑶:yao 欣:xin 怡:yi 佳:jia 璐:lu 蕾:lei 薇:wei 岚:lan 琪:qi 雯:wen").split())

# The first reps of every demo: (login, name, region)
REPS = (("zhangwei", "张伟", "华东"), ("lina", "李娜", "华东"), ("wangfang", "王芳", "华南"),
        ("liuyang", "刘洋", "华北"), ("chenjing", "陈静", "华中"), ("yangfan", "杨帆", "西南"),
        ("zhaolei", "赵磊", "西北"), ("huangmin", "黄敏", "东北"))
MANAGER = ("demo", "周建华")
ADMIN = ("admin", "系统管理员")

# 字号: two characters, one from each list
TRADE_NAME_FIRST = tuple("恒华宏鑫金永瑞德天中盛万联鼎安嘉博鸿兴国富锦昌宝百凯同顺龙佳诚通远三大丰信明润开新亚裕合聚"
                         "利众汇康绿海美欣和弘伟福祥泰荣盈卓东旭长峰青银正宇创建志立广力思科益捷")
TRADE_NAME_SECOND = tuple("达润远源桥兴丰成信联世通创盛泰禾运业发腾美航和天地华鹏河辰阳元宇利力茂纳诚荣泽毅家瑞科越升峰"
                          "松新金鑫安康光明海祥隆昌洋辉")
TRADE_NAME_PINYIN = dict(pair.split(":") for pair in (
    "恒:heng 华:hua 宏:hong 鑫:xin 金:jin 永:yong 瑞:rui 德:de 天:tian 中:zhong 盛:sheng 万:wan 联:lian "
    "鼎:ding 安:an 嘉:jia 博:bo 鸿:hong 兴:xing 国:guo 富:fu 锦:jin 昌:chang 宝:bao 百:bai 凯:kai 同:tong "
    "顺:shun 龙:long 佳:jia 诚:cheng 通:tong 远:yuan 三:san 大:da 丰:feng 信:xin 明:ming 润:run 开:kai "
    "新:xin 亚:ya 裕:yu 合:he 聚:ju 利:li 众:zhong 汇:hui 康:kang 绿:lv 海:hai 美:mei 欣:xin 和:he 弘:hong "
    "伟:wei 福:fu 祥:xiang 泰:tai 荣:rong 盈:ying 卓:zhuo 东:dong 旭:xu 长:chang 峰:feng 青:qing 银:yin "
    "正:zheng 宇:yu 创:chuang 建:jian 志:zhi 立:li 广:guang 力:li 思:si 科:ke 益:yi 捷:jie 达:da 源:yuan "
    "桥:qiao 成:cheng 世:shi 运:yun 业:ye 发:fa 腾:teng 禾:he 地:di 鹏:peng 河:he 辰:chen 阳:yang 元:yuan "
    "茂:mao 纳:na 泽:ze 毅:yi 家:jia 越:yue 升:sheng 松:song 光:guang 隆:long 洋:yang 辉:hui 航:hang").split())

# company-name endings: (text, weight); org forms that fit a joint-stock name are chosen accordingly
COMPANY_SUFFIXES = (("有限公司", 55), ("股份有限公司", 15), ("有限责任公司", 12), ("集团有限公司", 8),
                    ("实业有限公司", 5), ("集团股份有限公司", 5))


@dataclass(frozen=True)
class Industry:
    name: str  # 业种, as stored
    slug: str  # for web addresses
    words: tuple[str, ...]  # what a company of the trade calls itself
    products: tuple[str, ...]  # what we sell them
    channels: tuple[tuple[str, int], ...]  # (channel key, weight)
    weight: int  # share of customers
    margin: tuple[int, int]  # cost / amount in per mille, low and high


INDUSTRIES = (
    Industry("石油炼化与化工", "chem", ("石化", "化工", "石油化工", "新材料", "精细化工"),
             ("聚丙烯", "聚乙烯", "润滑油", "溶剂油", "道路沥青", "工业胶粘剂"),
             (("direct_user", 5), ("distributor", 3), ("agent", 2), ("wholesaler", 1)), 12, (820, 920)),
    Industry("造纸", "paper", ("纸业", "造纸", "包装材料", "纸品"),
             ("瓦楞原纸", "白卡纸", "生活用纸原纸", "文化用纸", "牛皮箱板纸"),
             (("direct_user", 4), ("distributor", 3), ("wholesaler", 2)), 8, (780, 880)),
    Industry("快消品分销", "fmcg", ("商贸", "贸易", "日化", "供应链", "商业"),
             ("洗护用品", "生活用纸", "瓶装饮料", "休闲食品", "个护礼盒"),
             (("wholesaler", 4), ("distributor", 4), ("chain", 2), ("ka_store", 2), ("bc_store", 2), ("retailer", 1)),
             16, (800, 900)),
    Industry("汽车及零部件", "auto", ("汽车零部件", "汽车配件", "汽车销售服务", "机电", "汽车部件"),
             ("制动片", "滤清器", "轮毂轴承", "线束总成", "车用润滑油"),
             (("direct_user", 4), ("agent", 2), ("distributor", 2), ("retailer", 1)), 10, (750, 860)),
    Industry("旅游", "travel", ("旅游", "国际旅行社", "文旅", "旅行社"),
             ("商务会奖旅游", "景区联票", "酒店套餐", "团建旅游套餐"),
             (("agent", 4), ("distributor", 1), ("direct_user", 1)), 4, (700, 850)),
    Industry("食品饮料", "food", ("食品", "饮品", "乳业", "粮油"),
             ("食用油", "饮用水", "乳制品", "调味品", "速冻食品"),
             (("distributor", 4), ("wholesaler", 3), ("chain", 2), ("ka_store", 2), ("bc_store", 1)), 14, (740, 860)),
    Industry("医药流通", "pharma", ("医药", "药业", "医疗器械", "大药房"),
             ("处方药", "非处方药", "医用耗材", "保健品", "检验试剂"),
             (("distributor", 4), ("chain", 2), ("retailer", 2), ("direct_user", 2)), 10, (720, 850)),
    Industry("建材", "jiancai", ("建材", "建筑材料", "水泥", "装饰材料"),
             ("水泥", "防水卷材", "瓷砖", "管材管件", "建筑涂料"),
             (("distributor", 3), ("wholesaler", 3), ("direct_user", 3), ("retailer", 1)), 9, (780, 900)),
    Industry("电子", "elec", ("电子", "电子科技", "电器", "光电"),
             ("电子元器件", "PCB板", "连接器", "电源模块", "LED模组"),
             (("direct_user", 5), ("agent", 2), ("distributor", 2)), 10, (760, 880)),
    Industry("物流", "logistics", ("物流", "供应链管理", "运输", "仓储"),
             ("托盘", "缠绕膜", "周转箱", "仓储货架", "干线运输"),
             (("direct_user", 5), ("agent", 1)), 7, (800, 920)),
)

# names for the few government customers (政府机构) and the sole traders (个人)
GOVERNMENT_BODIES = ("公共资源交易中心", "交通运输局", "第一人民医院", "机关事务管理局", "城市管理局", "教育装备中心",
                     "中心医院", "市政工程管理处", "疾病预防控制中心", "住房和城乡建设局")
SOLE_TRADER_WORDS = ("经营部", "商行", "批发部", "门市部", "贸易商行")
MOBILE_PREFIXES = ("135", "136", "137", "138", "139", "150", "151", "152", "157", "158", "159", "177", "180",
                   "181", "182", "186", "187", "188", "189", "199")
CREDIT_RATINGS = ("AAA", "AA", "A", "BBB", "BB", "B")
ARCHIVE_CABINETS = "ABCDEF"
